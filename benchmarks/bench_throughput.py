"""Issue 6, cases 1 and 2: bulk update throughput against the loopback sandbox, limits on.

    python benchmarks/bench_throughput.py            # 1,000 products at 400 ms; 2,000 at 50 ms
    python benchmarks/bench_throughput.py --smoke    # small and fast (CI)

With at most 3 requests in flight and a bucket leaking 10 drops/s, no client sustains more than
min(3/L, 10/c) requests per second. Every request costs 1 drop here (``cost_per_10_images=0``:
the cases say "cost 1"), so the bound holds for reads and writes alike.

What is timed: the whole ``update_images`` call (the plan reads every gallery once, then the
PATCHes go out; apply does not read again), over **every** API request it sends. The PATCH
phase alone (first PATCH sent → last PATCH answered) is shown too: it is the steady state,
with the bucket already full in case 2. The plain loop is sequential httpx PATCHes with no
reads and no retries: a 429 loses the row, so its req/s counts refused requests too and
"rows done/s" is what it achieved.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import httpx
from _harness import (
    api_requests,
    loopback,
    loopback_client,
    one_edit_per_product,
    products_for,
    stats,
    summary,
    table,
)

import shoptet_nb as sn
from shoptet_nb.sandbox import SandboxOptions


@dataclass(frozen=True)
class Case:
    name: str
    products: int
    latency_ms: float
    capacity: int = 200
    leak_per_s: float = 10.0

    @property
    def bound(self) -> float:
        return min(3 / (self.latency_ms / 1000), self.leak_per_s / 1.0)

    def options(self, seed: int) -> SandboxOptions:
        return SandboxOptions(
            seed=seed,
            products=products_for(self.products),
            latency_ms=self.latency_ms,
            bucket_capacity=self.capacity,
            leak_per_s=self.leak_per_s,
            cost_per_10_images=0,
        )


FULL = (
    Case("1 connection-bound", 1000, 400.0),
    Case("2 bucket-bound", 2000, 50.0),
)
# Small but still bound the same way: case 2's bucket is shrunk so that it fills quickly.
SMOKE = (
    Case("1 connection-bound", 12, 100.0),
    Case("2 bucket-bound", 40, 10.0, capacity=20, leak_per_s=40.0),
)


def run_toolkit(case: Case, seed: int) -> dict[str, object]:
    with loopback(case.options(seed)) as (base_url, shop):
        edits = one_edit_per_product(shop, case.products)
        client, recorder = loopback_client(
            base_url, shop, bucket_leak_per_s=case.leak_per_s, timeout=30.0
        )
        try:
            started = time.perf_counter()
            result = sn.update_images(client, edits, progress=False, journal=False)
            wall = time.perf_counter() - started
        finally:
            client.close()
        counters = stats(base_url)
    counts = result.counts
    requests = api_requests(counters)
    patches, patch_s = recorder.phase("PATCH")
    return {
        "runner": "update_images",
        "rows": len(edits),
        "accounted": sum(counts.values()) if result.rows.index.equals(edits.index) else -1,
        "updated": counts["updated"],
        "lost": len(edits) - counts["updated"],
        "requests": requests,
        "429": counters["responses"].get("429", 0),
        "wall": wall,
        "rate": requests / wall,
        "patch_rate": patches / patch_s if patch_s else 0.0,
        "concurrency": max(counters["max_concurrency"].values(), default=0),
    }


def run_plain_loop(case: Case, seed: int) -> dict[str, object]:
    with loopback(case.options(seed)) as (base_url, shop):
        edits = one_edit_per_product(shop, case.products)
        headers = {"Shoptet-Private-API-Token": "plain-token", "Content-Type": "application/json"}
        ok = lost_429 = other = 0
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as http:
            started = time.perf_counter()
            for row in edits.itertuples(index=False):
                body = {"data": {"images": [{"name": row.name, "description": row.description}]}}
                response = http.patch(f"/api/products/{row.guid}/images/{row.gallery}", json=body)
                if response.status_code == 200 and not response.json().get("errors"):
                    ok += 1
                elif response.status_code == 429:
                    lost_429 += 1
                else:
                    other += 1
            wall = time.perf_counter() - started
        counters = stats(base_url)
    return {
        "runner": "plain httpx loop",
        "rows": len(edits),
        "accounted": ok + lost_429 + other,
        "updated": ok,
        "lost": lost_429 + other,
        "requests": api_requests(counters),
        "429": counters["responses"].get("429", 0),
        "wall": wall,
        "rate": len(edits) / wall,
        "patch_rate": len(edits) / wall,
        "concurrency": max(counters["max_concurrency"].values(), default=0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes for CI")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--case", choices=["1", "2"], help="run only this case")
    args = parser.parse_args(argv)
    cases = [c for c in (SMOKE if args.smoke else FULL) if not args.case or c.name[0] == args.case]
    lines = []
    results = []
    for case in cases:
        for runner in (run_toolkit, run_plain_loop):
            outcome = runner(case, args.seed)
            results.append((case, outcome))
            print(f"... case {case.name}, {outcome['runner']}: {outcome['wall']:.1f} s", flush=True)
    for case, o in results:
        lines.append(
            [
                case.name,
                o["runner"],
                f"{case.products} @ {case.latency_ms:g} ms",
                o["rows"],
                o["accounted"],
                o["updated"],
                o["lost"],
                o["requests"],
                o["429"],
                o["concurrency"],
                float(o["wall"]),  # type: ignore[arg-type]
                float(o["rate"]),  # type: ignore[arg-type]
                int(o["updated"]) / float(o["wall"]),  # type: ignore[call-overload,arg-type]
                case.bound,
                float(o["rate"]) / case.bound,  # type: ignore[arg-type]
                float(o["patch_rate"]) / case.bound,  # type: ignore[arg-type]
            ]
        )
    print()
    print(
        table(
            "Bulk update throughput, loopback sandbox, Shoptet's limits on (cost 1 drop/request)",
            [
                "case",
                "runner",
                "products",
                "rows",
                "accounted",
                "updated",
                "lost",
                "requests",
                "429s",
                "max in flight",
                "wall s",
                "req/s",
                "rows done/s",
                "bound",
                "fraction",
                "PATCH-phase fraction",
            ],
            lines,
        )
    )
    summary(
        rows=sum(int(o["rows"]) for _, o in results),  # type: ignore[call-overload]
        accounted=sum(int(o["accounted"]) for _, o in results),  # type: ignore[call-overload]
        runs=[
            {"case": c.name, "runner": o["runner"], "rows": o["rows"], "accounted": o["accounted"]}
            for c, o in results
        ],
    )
    complete = all(o["accounted"] == o["rows"] for _, o in results)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
