"""Whole-shop reads: Shoptet's product snapshot against one request per gallery (issue 10).

    python benchmarks/bench_snapshot.py                 # 10,000 products; 1,000,000-image file
    python benchmarks/bench_snapshot.py --smoke         # 150 products; 10,000-image file (CI)
    python benchmarks/bench_snapshot.py --parse-only    # only the file-parsing part

Part 1 serves the sandbox CLI over loopback (``--latency-ms 50``, Shoptet's limits on,
``--snapshot-job-s 5``) and reads the whole shop twice, each with a fresh token: by
snapshot, then gallery by gallery. Printed: wall time, API requests (the sandbox's own count),
the highest bucket filling the answers reported, 429s, result-file downloads (and how many
carried a token: must be 0); the two frames are compared (they must be equal).

Part 2 writes a snapshot result file of 1,000,000 images (100,000 products × 10, gzip JSON
Lines, made up here) and reads it through ``read_images(client, job_id=...)``, the file
streamed from disk by a fake file host: images per second, then the peak memory ``tracemalloc``
traced in a second, traced run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from _harness import api_requests, stats, summary, table
from bench_gallery_reads import sandbox_process

import shoptet_nb as sn

JOB = "bench01"
FILE_HOST = "files.bench.test"


class BucketWatch(httpx.BaseTransport):
    """Passes requests on, remembering the highest ``X-RateLimit-Bucket-Filling`` reported."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.highest = 0.0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        level = response.headers.get("X-RateLimit-Bucket-Filling", "").partition("/")[0]
        if level:
            with self._lock:
                self.highest = max(self.highest, float(level))
        return response

    def close(self) -> None:
        self.inner.close()


def read_whole_shop(base_url: str, token: str, method: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    httpx.post(base_url + "/_sandbox/reset-stats", timeout=10)
    watch = BucketWatch()
    client = sn.connect(token, base_url=base_url, transport=watch)
    try:
        started = time.perf_counter()
        images = sn.read_images(client, method=method, progress=False)
        wall = time.perf_counter() - started
    finally:
        client.close()
    counters = stats(base_url)
    return images, {
        "wall": wall,
        "requests": api_requests(counters),
        "highest": watch.highest,
        "429": counters["responses"].get("429", 0),
        "downloads": counters.get("downloads", {}),
        "failed": len(sn.read_errors(images)),
    }


def compare_paths(products: int, latency_ms: float, job_s: float) -> dict[str, Any]:
    cli = ["--products", str(products), "--latency-ms", f"{latency_ms:g}"]
    with sandbox_process(*cli, "--snapshot-job-s", f"{job_s:g}") as base_url:
        by_snapshot, snap = read_whole_shop(base_url, "snapshot-token", "snapshot")
        print(f"snapshot read: {snap['wall']:.1f} s", flush=True)
        by_gallery, gall = read_whole_shop(base_url, "gallery-token", "galleries")
    same = True
    try:
        pd.testing.assert_frame_equal(by_snapshot, by_gallery)
    except AssertionError as exc:
        same = False
        print(f"THE FRAMES DIFFER: {exc}")
    rows = [
        ["wall time, s", round(snap["wall"], 2), round(gall["wall"], 2)],
        ["API requests", snap["requests"], gall["requests"]],
        ["highest bucket filling (of 200)", snap["highest"], gall["highest"]],
        ["429 responses", snap["429"], gall["429"]],
        ["result-file downloads", snap["downloads"].get("total", 0), 0],
        ["  of them with a token header", snap["downloads"].get("with_token", 0), 0],
        ["products not read", snap["failed"], gall["failed"]],
        ["images read", len(by_snapshot), len(by_gallery)],
    ]
    title = (
        f"Whole-shop read of {products:,} products, loopback sandbox, latency {latency_ms:g} ms, "
        f"limits on, a {job_s:g} s snapshot job"
    )
    print(table(title, ["figure", "snapshot", "galleries"], rows))
    print(f"wall time, galleries / snapshot: {gall['wall'] / snap['wall']:.1f}x")
    print(f"frames equal (assert_frame_equal): {same}")
    return {
        "products_read": int(by_snapshot["guid"].nunique()),
        "same_frame": same,
        "snapshot_requests": snap["requests"],
        "with_token": snap["downloads"].get("with_token", 0),
        "images": len(by_snapshot),
        "failed": snap["failed"] + gall["failed"],
    }


# -- part 2: parsing a big result file -------------------------------------------------------


def write_result_file(path: Path, products: int, per_product: int) -> int:
    """A made-up snapshot result: ``products`` lines of ``per_product`` images each."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        for p in range(products):
            # Lines in an order of Shoptet's own, not by guid: the read sorts them.
            guid = f"{p * 2654435761 % 2**32:08x}-5b3c-11e8-8216-002590dad85e"
            images = []
            for i in range(per_product):
                name = f"{p}-{i + 1}.jpg"
                seo = f"{p}-{i + 1}_batoh-do-prirody-{p}.jpg"
                images.append(
                    {
                        "name": name,
                        "seoName": seo,
                        "cdnName": seo + "?ff=1&x=1024&y=768&q=85&ts=59393c3a&sg=df3f0411",
                        "signedCdnNames": [
                            {"type": "big", "name": seo + "?ff=1&x=1024&sg=df3f0411"},
                            {"type": "detail", "name": seo + "?ff=1&x=360&sg=ab12cd34"},
                        ],
                        "priority": i + 1 if i % 7 else None,
                        "description": f"Batoh do přírody {p}, pohled {i + 1}" if i % 3 else "",
                        "changeTime": "2026-05-29T09:02:27+0200",
                        "isMainImage": i == 0,
                        "gallery": "shop360" if i == per_product - 1 else "shop",
                    }
                )
            line = {
                "guid": guid,
                "type": "product",
                "name": f"Batoh do přírody {p}",
                "visibility": "visible",
                "creationTime": "2024-01-02T10:00:00+0100",
                "changeTime": "2026-05-29T09:02:27+0200",
                "shortDescription": "Lehký batoh na celodenní výlety.",
                "url": f"https://shop.example.test/batoh-{p}/",
                "images": images,
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return products * per_product


class FileStream(httpx.SyncByteStream):
    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as source:
            while chunk := source.read(1 << 16):
                yield chunk


def file_client(path: Path) -> sn.ShoptetClient:
    """A client whose 'shop' has one completed snapshot job: the file at ``path``."""

    def handler(request: httpx.Request) -> httpx.Response:
        meta = {"requestId": "bench"}
        if request.url.host == FILE_HOST:
            return httpx.Response(200, stream=FileStream(path))
        if request.url.path == f"/api/system/jobs/{JOB}":
            job = {
                "jobId": JOB,
                "endpoint": "/api/products/snapshot",
                "creationTime": "2026-05-29T09:00:00+0200",
                "completionTime": "2026-05-29T09:01:00+0200",
                "duration": "60.000",
                "status": "completed",
                "resultUrl": f"https://{FILE_HOST}/api-results/{JOB}.jsonl.gz",
                "validUntil": "2099-01-01T00:00:00+0100",
                "log": None,
            }
            return httpx.Response(
                200, json={"data": {"job": job}, "errors": None, "metadata": meta}
            )
        cuts = [{"name": "detail", "urlPath": "https://shop.example.test/user/shop/detail/"}]
        return httpx.Response(
            200, json={"data": {"imageCuts": cuts}, "errors": None, "metadata": meta}
        )

    return sn.connect(
        "bench-token", base_url="https://api.bench.test", transport=httpx.MockTransport(handler)
    )


def parse_file(images: int) -> dict[str, Any]:
    per_product = 10
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.jsonl.gz"
        started = time.perf_counter()
        made = write_result_file(path, images // per_product, per_product)
        print(
            f"wrote {made:,} images ({path.stat().st_size / 1e6:.1f} MB gzip) in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        client = file_client(path)
        started = time.perf_counter()
        frame = sn.read_images(client, job_id=JOB, gallery="all", progress=False)
        wall = time.perf_counter() - started
        rows_read = len(frame)
        del frame
        tracemalloc.start()
        frame = sn.read_images(client, job_id=JOB, gallery="all", progress=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        deep = frame.memory_usage(deep=True).sum()
    rows = [
        ["images in the file", made],
        ["rows in the frame", rows_read],
        ["wall time, s", round(wall, 2)],
        ["images per second", round(rows_read / wall)],
        ["peak traced memory (tracemalloc), MB", round(peak / 1e6, 1)],
        ["the frame itself (memory_usage deep), MB", round(deep / 1e6, 1)],
    ]
    print(table(f"Parsing a {made:,}-image snapshot file", ["figure", "value"], rows))
    return {"file_images": made, "rows_read": rows_read}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes for CI")
    parser.add_argument("--parse-only", action="store_true", help="only part 2")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--images", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--job-s", type=float, default=None)
    args = parser.parse_args(argv)
    products = args.products or (150 if args.smoke else 10_000)
    images = args.images or (10_000 if args.smoke else 1_000_000)
    job_s = args.job_s if args.job_s is not None else (0.5 if args.smoke else 5.0)
    compared: dict[str, Any] = {}
    if not args.parse_only:
        compared = compare_paths(products, args.latency_ms, job_s)
    parsed = parse_file(images)
    rows = parsed["file_images"] + compared.get("images", 0)
    accounted = parsed["rows_read"] + (
        compared.get("images", 0) if compared.get("same_frame") else 0
    )
    summary(rows=rows, accounted=accounted, **compared)
    ok = accounted == rows and compared.get("with_token", 0) == 0 and not compared.get("failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
