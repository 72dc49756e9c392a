"""Issue 6, case 3: the toolkit's overhead over a hand-written httpx loop.

    python benchmarks/bench_overhead.py              # 10,000 products, 5 rounds
    python benchmarks/bench_overhead.py --rounds 9   # a steadier median
    python benchmarks/bench_overhead.py --smoke      # 300 products, 1 round (CI)

In-process sandbox (``client.sandbox.transport()``, no socket), latency 0, limits off. Both
runs change the caption of the first image of N products and send the same requests: the
product list in chunks of 50 guids, the image cuts, one GET and one PATCH per gallery. The
loop parses every answer as a careful script would; ``update_images`` also validates the
frame, diffs, builds Result frames. Each run gets a fresh shop of the same seed.

The figure is steadied against a shared machine: the two runners alternate within each round
(which goes first swaps every round, so a drift of the machine's load hits both alike), each
round gives one ratio of the two, and the median of the rounds' ratios is reported with their
spread (lowest to highest). Both runs are single-threaded (the in-process sandbox gains nothing
from threads), so CPU seconds of the process (``time.process_time``) count their work alone,
without the time other processes held the cores; wall seconds are shown beside them.
Target: at most 1.3 (issue 16).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median
from typing import Any

import httpx
import pandas as pd
from _harness import IMAGES, one_edit_per_product, products_for, summary, table

import shoptet_nb as sn
from shoptet_nb.sandbox import SANDBOX_BASE_URL


def fresh(seed: int, products: int) -> tuple[sn.ShoptetClient, pd.DataFrame]:
    client = sn.sandbox(seed=seed, products=products_for(products), limits=False)
    return client, one_edit_per_product(client.sandbox, products, text="Overhead {i}")


def run_toolkit(client: sn.ShoptetClient, edits: pd.DataFrame) -> int:
    result = sn.update_images(client, edits, progress=False, journal=False)
    return int(result.counts["updated"])


def run_loop(client: sn.ShoptetClient, edits: pd.DataFrame) -> int:
    headers = {"Shoptet-Private-API-Token": "sandbox-token", "Content-Type": "application/json"}
    http = httpx.Client(
        base_url=SANDBOX_BASE_URL, transport=client.sandbox.transport(), headers=headers
    )
    updated = 0
    with http:
        guids = list(dict.fromkeys(edits["guid"]))
        names: dict[str, Any] = {}
        for start in range(0, len(guids), 50):
            params = {
                "itemsPerPage": 1000,
                "page": 1,
                "productGuids": ",".join(guids[start : start + 50]),
            }
            for product in http.get("/api/products", params=params).json()["data"]["products"]:
                names[product["guid"]] = product["name"]
        http.get("/api/eshop", params={"include": "imageCuts"}).json()
        for guid, gallery, name, description in edits[
            ["guid", "gallery", "name", "description"]
        ].itertuples(index=False):
            path = f"/api/products/{guid}/images/{gallery}"
            images = http.get(path).json()["data"]["images"]
            current = next(i for i in images if i["name"] == name)
            if current["description"] == description:
                continue
            body = {"data": {"images": [{"name": name, "description": description}]}}
            answer = http.patch(path, json=body).json()
            after = next(i for i in answer["data"]["images"] if i["name"] == name)
            updated += after["description"] == description and not answer.get("errors")
    return updated


@dataclass
class Run:
    """One timed run of one runner."""

    cpu: float
    wall: float
    updated: int
    requests: dict[str, int]


def timed(runner: Callable[[sn.ShoptetClient, pd.DataFrame], int], seed: int, n: int) -> Run:
    """Run ``runner`` on a fresh shop; its CPU and wall seconds, rows updated, requests."""
    client, edits = fresh(seed, n)
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    updated = runner(client, edits)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    requests = client.sandbox.stats()["requests"]
    client.close()
    return Run(cpu, wall, updated, requests)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="300 products, one round")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of both runners")
    args = parser.parse_args(argv)
    n = 300 if args.smoke else args.products
    rounds = 1 if args.smoke else args.rounds
    runners = {"update_images": run_toolkit, "httpx loop": run_loop}
    runs: dict[str, list[Run]] = {label: [] for label in runners}
    for number in range(rounds):
        order = list(runners) if number % 2 == 0 else list(reversed(runners))
        for label in order:
            run = timed(runners[label], args.seed, n)
            runs[label].append(run)
            print(
                f"... round {number + 1}, {label}: {run.cpu:.2f} s CPU, {run.wall:.2f} s wall",
                flush=True,
            )
    toolkit, loop = runs["update_images"], runs["httpx loop"]
    cpu_ratios = [t.cpu / h.cpu for t, h in zip(toolkit, loop, strict=True)]
    wall_ratios = [t.wall / h.wall for t, h in zip(toolkit, loop, strict=True)]
    same = all(
        {k: v for k, v in t.requests.items() if " /api/" in k}
        == {k: v for k, v in h.requests.items() if " /api/" in k}
        for t, h in zip(toolkit, loop, strict=True)
    )
    rows = []
    for label, done in runs.items():
        reqs = done[0].requests
        rows.append(
            [
                label,
                n,
                min(r.updated for r in done),
                reqs.get(f"GET {IMAGES}", 0),
                reqs.get(f"PATCH {IMAGES}", 0),
                median(r.cpu for r in done),
                median(r.wall for r in done),
            ]
        )
    print()
    print(
        table(
            f"Overhead: {n:,} products, in-process sandbox, latency 0, limits off "
            f"(median of {rounds} rounds)",
            ["runner", "rows", "updated", "gallery GETs", "PATCHes", "CPU s", "wall s"],
            rows,
        )
    )
    for kind, ratios in (("CPU", cpu_ratios), ("wall", wall_ratios)):
        print(
            f"ratio update_images / httpx loop, {kind}: median {median(ratios):.2f} "
            f"(rounds {min(ratios):.2f}-{max(ratios):.2f}; target <= 1.3)"
        )
    print(f"same requests by endpoint: {same}")
    updated = min(r.updated for r in toolkit)
    summary(rows=2 * n, accounted=updated + min(r.updated for r in loop), same_requests=same)
    return 0 if same and updated == n and all(r.updated == n for r in loop) else 1


if __name__ == "__main__":
    sys.exit(main())
