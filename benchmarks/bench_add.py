"""Adding photos from URLs: every row one status, no duplicates, the order the frame asks for.

    python benchmarks/bench_add.py            # 1,000 rows over 200 products (issue 17)
    python benchmarks/bench_add.py --smoke    # 100 rows over 20 products (CI)

A sandbox shop with its limits on (3 in flight, the leaky bucket) and 50 ms of latency per API
request. The frame: 5 photos per product staged on the sandbox's source host, 10 % of them bad
(a dead link, an HTML page, a WebP file, bytes that are no image), and every fifth good photo
asked for at position 1, the rest appended. Four runs on the same shop:

1. *first*: ``add_images`` of the whole frame;
2. *again*: the same frame once more (everything should be ``skipped_duplicate``);
3. *killed*: a second batch of photos for a fifth of the products, where the client dies after
   its first 202 (every request after that ends the run at once, as a killed kernel sends
   nothing more, while the shop's jobs run on; a connection error instead would measure the
   client's retries against a dead connection, which a killed kernel never makes);
4. *rerun*: the second batch again with a healthy client, at once.

Checked, from the shop's own counters (not the Result): every row has exactly one status;
photos per content hash in each gallery (0 duplicates after every run); each product's order
as the frame says (a re-derivation from the gallery before, not the client's own check); POSTs
per product-gallery against one per 100 photos; job-detail reads per job (Shoptet allows 10).
The wall time is printed with two bounds no run can beat. *bound s* (the figure of issue 17):
the larger of API requests × latency / 3 in flight and the leaky bucket's, counting one drop
per admitted request (past 200 drops they leak at 10 a second). The shop charges more than
that: a drop per 10 images read or written too (a 15-photo gallery read costs 2), so
*drops bound s* puts the drops the shop really charged the run (``stats()["drops_charged"]``)
in the bucket's place: what the client could reach if it spent no time on anything else.
Fewer drops (fewer or cheaper requests) lower both the wall time and this bound.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import time
from collections import Counter
from typing import Any

import httpx
import pandas as pd
from _harness import RecordingTransport, summary, table

import shoptet_nb as sn
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxShop
from shoptet_nb.sandbox.pictures import picture

LATENCY_MS = 50.0
PER_PRODUCT = 5
BAD_SHARE = 0.10
_WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + bytes(30)


def client_for(shop: SandboxShop, inner: httpx.BaseTransport) -> tuple[Any, RecordingTransport]:
    recorder = RecordingTransport(inner)
    client = sn.connect("bench-token", base_url=SANDBOX_BASE_URL, transport=recorder)
    client.sandbox = shop
    return client, recorder


class KernelKilled(BaseException):
    """The client process is gone: nothing it would still do happens (not an Exception, so
    no retry or per-row handling of the library catches it)."""


class DiesAfterFirst202(httpx.BaseTransport):
    """A client process that is killed right after its first POST was accepted."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.dead = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            raise KernelKilled("the kernel is gone")
        response = self.inner.handle_request(request)
        if request.method == "POST" and response.status_code == 202:
            self.dead = True
        return response


def frame_of(shop: SandboxShop, guids: list[str], tag: str, bad_every: int) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    kinds = ("missing", "html", "webp", "noise")
    for guid in guids:
        for k in range(PER_PRODUCT):
            n = len(rows)
            data = picture(f"{tag}/{guid}/{k}", 24, 16)
            if bad_every and n % bad_every == bad_every - 1:
                kind = kinds[(n // bad_every) % len(kinds)]
                url = (
                    shop.stage(_WEBP)
                    if kind == "webp"
                    else shop.stage(b"\x00" * 40)
                    if kind == "noise"
                    else shop.stage(data, behaviour=kind)
                )
                rows.append({"guid": guid, "source_url": url, "position": None})
            else:
                position = 1 if n % 5 == 0 else None
                rows.append({"guid": guid, "source_url": shop.stage(data), "position": position})
    frame = pd.DataFrame(rows)
    frame["position"] = frame["position"].astype("Int64")
    return frame


def expected_order(before: list[dict[str, Any]], added: pd.DataFrame) -> list[str]:
    """The gallery the frame asks for, derived from the gallery before (the spec, restated)."""
    numbered = [i["name"] for i in before if i["priority"] is not None]
    unnumbered = [i["name"] for i in before if i["priority"] is None]
    appended = list(added.loc[added["position"].isna(), "name"])
    order = numbered + appended + unnumbered
    placed = added[added["position"].notna()].sort_values("position", kind="stable")
    for name, at in zip(placed["name"], placed["position"], strict=True):
        order.insert(min(int(at) - 1, len(order)), name)
    return order


def duplicates(shop: SandboxShop) -> int:
    return sum(n - 1 for n in shop.stats()["photos_per_hash"].values() if n > 1)


def posts_and_details(recorder: RecordingTransport) -> tuple[Counter[str], Counter[str]]:
    # POSTs the shop answered (a dead client's attempts never reach it).
    posts = Counter(e.path for e in recorder.exchanges if e.method == "POST" and e.status)
    details = Counter(
        e.path for e in recorder.exchanges if e.method == "GET" and "/system/jobs/" in e.path
    )
    return posts, details


def route(method: str, path: str) -> str:
    """A request's route with its ids left out (``GET /api/products/*/images/*``)."""
    parts = path.strip("/").split("/")
    if parts[0] != "api":
        return f"{method} (file) {parts[0]}"
    if parts[1] == "products":
        parts = [p if k in (0, 1, 3) else "*" for k, p in enumerate(parts)]
    elif parts[1:3] == ["system", "jobs"] and len(parts) > 3:
        parts = [*parts[:3], "*"]
    return f"{method} /{'/'.join(parts)}"


def api_count(recorder: RecordingTransport) -> int:
    return sum(1 for e in recorder.exchanges if e.path.startswith("/api/"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="20 products (CI)")
    args = parser.parse_args()
    products = 20 if args.smoke else 200
    shop = SandboxShop(
        products=products, seed=17, latency_ms=LATENCY_MS, insert_job_s=1.0, limits=True
    )
    guids = [p["guid"] for p in shop.products()]
    bad_every = round(1 / BAD_SHARE)
    frame = frame_of(shop, guids, "first", bad_every)
    before = {g: shop.images(g) for g in guids}
    measured: list[tuple[Any, ...]] = []
    problems: list[str] = []

    routes: dict[str, Counter[str]] = {}

    def run(label: str, data: pd.DataFrame, inner: httpx.BaseTransport) -> Any:
        client, recorder = client_for(shop, inner)
        level = max(shop.stats()["buckets"].values(), default=0.0)  # left by the run before
        drops_before = sum(shop.stats()["drops_charged"].values())
        started = time.perf_counter()
        try:
            result = sn.add_images(client, data, journal=False)
        except (Exception, KernelKilled) as exc:  # the killed client: its outcome is not the point
            result = None
            print(f"{label}: {type(exc).__name__}: {exc}", file=sys.stderr)
        wall = time.perf_counter() - started
        drops = sum(shop.stats()["drops_charged"].values()) - drops_before
        routes[label] = Counter(route(e.method, e.path) for e in recorder.exchanges)
        posts, details = posts_and_details(recorder)
        options = shop.options
        # Each request the bucket admits raises its level by at least one drop (the sandbox caps
        # the level at the capacity, so a costly request may add less than its cost).
        charged = sum(
            1
            for e in recorder.exchanges
            if e.path.startswith("/api/") and e.status is not None and e.status != 429
        )
        bucket = max(0.0, level + charged - options.bucket_capacity) / options.leak_per_s
        in_flight = api_count(recorder) * LATENCY_MS / 1000 / 3
        bound = max(in_flight, bucket)
        drops_bound = max(
            in_flight, max(0.0, level + drops - options.bucket_capacity) / options.leak_per_s
        )
        counts = result.counts if result is not None else {}
        measured.append(
            (
                label,
                len(data),
                counts.get("added", 0),
                counts.get("skipped_duplicate", 0),
                counts.get("invalid", 0),
                counts.get("failed", 0) + counts.get("conflict", 0),
                sum(posts.values()),
                max(details.values(), default=0),
                duplicates(shop),
                api_count(recorder),
                drops,
                wall,
                bound,
                drops_bound,
            )
        )
        if result is not None:
            statuses = result.rows["status"]
            if len(statuses) != len(data) or statuses.isna().any():
                problems.append(f"{label}: not every row has one status")
            for path, n in posts.items():
                photos = int((data["guid"] == path.split("/")[3]).sum())
                if n > max(1, math.ceil(photos / 100)):
                    problems.append(f"{label}: {n} POSTs to {path} for {photos} photos")
        if details and max(details.values()) > 10:
            problems.append(f"{label}: more than 10 detail reads of one job")
        return result

    first = run("first", frame, shop.transport())
    in_order = 0
    for guid in guids:
        mine = first.rows[(first.rows["guid"] == guid) & (first.rows["status"] == "added")]
        wanted = expected_order(
            before[guid], mine.assign(position=frame.loc[mine.index, "position"])
        )
        in_order += [i["name"] for i in shop.images(guid)] == wanted
    run("again", frame, shop.transport())
    batch = frame_of(shop, guids[: max(1, products // 5)], "second", 0)
    run("killed", batch, DiesAfterFirst202(shop.transport()))
    rerun = run("rerun", batch, shop.transport())

    headers = ("run", "rows", "added", "skipped", "invalid", "failed", "POSTs",
               "max detail reads/job", "duplicates", "API requests", "drops", "wall s",
               "bound s", "drops bound s")  # fmt: skip
    print(table(f"add_images, {products} products, {LATENCY_MS:g} ms latency", headers, measured))
    print(f"order as the frame says: {in_order} of {len(guids)} products")
    names = sorted(set().union(*routes.values()), key=lambda r: -routes["first"][r])
    print(
        table(
            "Requests per route (files: sources, originals and result files, no bucket drops)",
            ("route", *routes),
            [(name, *(routes[label][name] for label in routes)) for name in names],
        )
    )
    for problem in problems:
        print("PROBLEM:", problem)
    accounted = int(first.rows["status"].notna().sum()) + int(rerun.rows["status"].notna().sum())
    summary(
        rows=len(frame) + len(batch),
        accounted=accounted,
        duplicates=duplicates(shop),
        in_order=in_order,
        products=len(guids),
        problems=len(problems),
    )
    return 1 if problems or duplicates(shop) or in_order != len(guids) else 0


if __name__ == "__main__":
    raise SystemExit(main())
