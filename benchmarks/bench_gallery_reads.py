"""500 gallery reads through the client against the loopback sandbox CLI, latency 100 ms.

    python benchmarks/bench_gallery_reads.py            # 500 reads
    python benchmarks/bench_gallery_reads.py --smoke    # 30 reads (CI)

The sandbox runs as its own process (``python -m shoptet_nb.sandbox --latency-ms 100``), with
Shoptet's limits on and its default costs (1 drop a request, +1 per full 10 images). The
client reads the galleries with ``read_images`` (which first lists the products, 50 guids a
call). Printed: the sandbox's own stats — requests, 429s, highest concurrency — and wall time.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from _harness import IMAGES, api_requests, stats, summary, table

import shoptet_nb as sn


@contextmanager
def sandbox_process(*args: str) -> Iterator[str]:
    """Start the sandbox CLI on 127.0.0.1 (a free port); yield its base URL; always stop it."""
    command = [sys.executable, "-m", "shoptet_nb.sandbox", "--port", "0", *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            raise SystemExit(f"the sandbox did not start: {line!r}")
        yield found.group(0)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="30 reads instead of 500")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args(argv)
    reads = 30 if args.smoke else 500
    cli = [
        "--seed",
        str(args.seed),
        "--products",
        str(reads),
        "--latency-ms",
        f"{args.latency_ms:g}",
    ]
    with sandbox_process(*cli) as base_url:
        client = sn.connect("reads-token", base_url=base_url)
        try:
            guids = [p["guid"] for p in client.list_products()]
            httpx.post(base_url + "/_sandbox/reset-stats", timeout=10)
            started = time.perf_counter()
            images = sn.read_images(client, guids, progress=False)
            wall = time.perf_counter() - started
            failed = len(sn.read_errors(images))
        finally:
            client.close()
        counters = stats(base_url)
    gallery_reads = counters["requests"].get(f"GET {IMAGES}", 0)
    total = api_requests(counters)
    rows = [
        ["gallery reads asked", len(guids)],
        ["gallery reads sent (GET .../images/shop)", gallery_reads],
        [
            "product list calls (GET /api/products)",
            counters["requests"].get("GET /api/products", 0),
        ],
        ["all API requests", total],
        ["429 responses", counters["responses"].get("429", 0)],
        ["highest concurrency (per token)", max(counters["max_concurrency"].values(), default=0)],
        ["galleries not read", failed],
        ["images read", len(images)],
        ["wall time, s", round(wall, 2)],
        ["requests/s", round(total / wall, 2)],
    ]
    title = f"{len(guids)} gallery reads, loopback sandbox CLI, --latency-ms {args.latency_ms:g}"
    print(table(title, ["figure", "value"], rows))
    print(f"sandbox responses by status: {counters['responses']}")
    summary(
        rows=len(guids), accounted=len(guids) - failed, failed=failed, gallery_reads=gallery_reads
    )
    return 0 if failed == 0 and gallery_reads >= len(guids) else 1


if __name__ == "__main__":
    sys.exit(main())
