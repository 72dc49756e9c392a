"""Issue 6, case 4: read 100,000 images into a frame, and plan 100,000 edits.

    python benchmarks/bench_scale.py            # ~100,000 images
    python benchmarks/bench_scale.py --smoke    # ~2,000 images (CI)

In-process sandbox, limits off. Memory is the process's peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``), which includes the interpreter, pandas and the
sandbox shop itself (its catalogue lives in the same process): a ceiling on what
``read_images`` needs, not a net figure. The rise over the RSS before the read is shown too.
A second read runs under ``tracemalloc`` for the peak of memory allocated while reading (the
shop's answers included): that is the figure held to the target, peak under 500 MB.
``plan_updates`` is timed alone, on an edit frame of as many rows as images (every caption
changed, every fifth priority), against the frame just read as ``base`` (so it sends no
request). Target: under 2 s.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc

from _harness import summary, table

import shoptet_nb as sn

IMAGES_PER_PRODUCT = 10.6  # the seeded catalogue's average in gallery "shop"


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except OSError:
        return 0.0
    return pages * resource.getpagesize() / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="~2,000 images instead of 100,000")
    parser.add_argument("--images", type=int, help="override the target number of images")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    target = args.images or (2_000 if args.smoke else 100_000)
    products = round(target / IMAGES_PER_PRODUCT)
    client = sn.sandbox(seed=args.seed, products=products, limits=False)
    expected = sum(len(client.sandbox.images(p["guid"], "shop")) for p in client.sandbox.products())
    gc.collect()
    rss_before = rss_mb()

    started = time.perf_counter()
    images = sn.read_images(client, progress=False)
    read_s = time.perf_counter() - started
    peak = peak_rss_mb()
    failed = len(sn.read_errors(images))
    # A second read under tracemalloc: the peak of what Python (and numpy/pandas) allocated
    # while reading, the in-process shop's answers included; its slower wall time is not shown.
    del images
    gc.collect()
    tracemalloc.start()
    images = sn.read_images(client, progress=False)
    traced_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()

    n = len(images)
    edits = images[["guid", "gallery", "name", "priority", "description"]].copy()
    edits["description"] = [f"Popisek {i}" for i in range(n)]
    every_fifth = edits.index[::5]
    edits.loc[every_fifth, "priority"] = (edits.loc[every_fifth, "priority"].fillna(0) % 60000) + 7
    client.sandbox.reset_stats()
    gc.collect()
    started = time.perf_counter()
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    plan_s = time.perf_counter() - started
    sent = sum(client.sandbox.stats()["requests"].values())
    counts = plan.counts

    rows = [
        ["products read", products, ""],
        ["images read (the shop holds)", n, expected],
        ["galleries not read", failed, 0],
        ["read_images wall time, s", round(read_s, 2), ""],
        ["RSS before the read, MB", round(rss_before), ""],
        ["peak RSS of the process, MB", round(peak), ""],
        ["rise over RSS before, MB", round(peak - rss_before), ""],
        ["tracemalloc peak during read_images, MB", round(traced_peak), "< 500"],
        ["plan_updates rows (base rows)", f"{len(edits):,} ({len(images):,})", ""],
        ["plan_updates wall time, s", round(plan_s, 3), "< 2"],
        [
            "plan: would_update / unchanged",
            f"{counts['would_update']:,} / {counts['unchanged']:,}",
            "",
        ],
        ["requests plan_updates sent", sent, 0],
    ]
    print(
        table(
            f"Scale: read_images and plan_updates on {n:,} images",
            ["figure", "value", "target"],
            rows,
        )
    )
    accounted = sum(counts.values())
    summary(rows=n, accounted=accounted, expected_images=expected, read_failed=failed)
    ok = n == expected and failed == 0 and accounted == n and sent == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
