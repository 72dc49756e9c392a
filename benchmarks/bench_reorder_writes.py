"""Photos rewritten by one reorder: the editor's old renumber-1..n rule vs the fewest writes.

    python benchmarks/bench_reorder_writes.py            # the sandbox's 200 products
    python benchmarks/bench_reorder_writes.py --smoke    # 20 products (CI)

The galleries are the sandbox's (``shoptet_nb.sandbox(seed=0)``, read with ``read_images``):
untidy on purpose, with gaps, ties and photos without a priority. In every gallery of two or
more photos, two edits a user makes in the editor:

* *move up*: the middle photo (in gallery order) swaps places with the one before it;
* *move to front*: the middle photo becomes the first.

For each, the number of photos whose priority changes (each one a write that renews the
photo's ``changeTime`` and CDN URL) under the old rule (the gallery editor's ``new_priorities``
before issue 9: renumber the gallery 1..n in the new order, copied below so the figure
survives the editor's rewrite) and under :func:`shoptet_nb.edits.fewest_priority_changes`.
Every new result is checked to give exactly the wanted order. Also printed: the time of one
``fewest_priority_changes`` call on the sandbox's galleries and on synthetic 150- and
1,000-photo galleries (figures only; nothing here is asserted on time).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

import pandas as pd
from _harness import summary, table

import shoptet_nb as sn
from shoptet_nb._order import shop_order
from shoptet_nb.edits import fewest_priority_changes

Rule = Callable[[Mapping[str, int | None], Sequence[str]], dict[str, int]]


def old_rule(priorities: Mapping[str, int | None], wanted: Sequence[str]) -> dict[str, int]:
    """The editor's rule before issue 9 (``new_priorities``): renumber 1..n in the new order."""
    if list(wanted) == shop_order(priorities):
        return {}
    return {
        name: position
        for position, name in enumerate(wanted, start=1)
        if priorities.get(name) != position
    }


def move_up(order: list[str]) -> list[str]:
    k = len(order) // 2
    return [*order[: k - 1], order[k], order[k - 1], *order[k + 1 :]]


def move_to_front(order: list[str]) -> list[str]:
    k = len(order) // 2
    return [order[k], *order[:k], *order[k + 1 :]]


def timed(priorities: Mapping[str, int | None], wanted: Sequence[str], repeat: int) -> float:
    """Milliseconds of one fewest_priority_changes call (best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fewest_priority_changes(priorities, wanted)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def synthetic(size: int, seed: int) -> tuple[dict[str, int | None], list[str]]:
    """An untidy gallery of ``size`` photos and one move of a middle photo to the front."""
    rng = random.Random(seed)
    names = [f"photo-{i:05d}.jpg" for i in range(size)]
    rng.shuffle(names)
    priorities: dict[str, int | None] = {
        name: None if rng.random() < 0.1 else rng.randint(1, size) for name in names
    }
    return priorities, move_to_front(shop_order(priorities))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="20 products instead of 200")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    # limits off: the read is not what is measured here.
    client = sn.sandbox(seed=args.seed, products=20 if args.smoke else 200, limits=False)
    try:
        images = sn.read_images(client, gallery=["shop", "shop360"], progress=False)
    finally:
        client.close()

    galleries: list[dict[str, int | None]] = []
    for _, rows in images.groupby(["guid", "gallery"], sort=True):
        if len(rows) >= 2:
            galleries.append(
                {
                    str(name): None if pd.isna(value) else int(value)
                    for name, value in zip(
                        rows["name"], rows["priority"].astype(object), strict=True
                    )
                }
            )
    untidy = {
        "with gaps": sum(
            any(b - a > 1 for a, b in pairwise(v))
            for v in (sorted(p for p in g.values() if p is not None) for g in galleries)
        ),
        "with ties": sum(
            len({p for p in g.values() if p is not None}) < sum(p is not None for p in g.values())
            for g in galleries
        ),
        "with nulls": sum(any(p is None for p in g.values()) for g in galleries),
    }

    rows: list[list[object]] = []
    cases = accounted = 0
    times: list[float] = []
    for label, edit in (("move up", move_up), ("move to front", move_to_front)):
        counts: dict[str, list[int]] = {"old": [], "new": []}
        for priorities in galleries:
            wanted = edit(shop_order(priorities))
            cases += 1
            for rule_name, rule in (("old", old_rule), ("new", fewest_priority_changes)):
                changes = rule(priorities, wanted)
                counts[rule_name].append(len(changes))
                if rule_name == "new" and shop_order({**priorities, **changes}) == wanted:
                    accounted += 1
            times.append(timed(priorities, wanted, 3))
        for rule_name, title in (("old", "old rule (renumber 1..n)"), ("new", "fewest writes")):
            values = counts[rule_name]
            rows.append(
                [
                    label,
                    title,
                    len(values),
                    sum(values),
                    max(values),
                    round(statistics.mean(values), 2),
                ]
            )

    headers = ["edit", "rule", "galleries", "photos rewritten", "max per gallery", "mean"]
    print(table(f"Photos rewritten by one edit, sandbox seed={args.seed}", headers, rows))
    print(
        f"{len(galleries)} galleries of 2+ photos in {images['guid'].nunique()} products: "
        + ", ".join(f"{count} {what}" for what, count in untidy.items())
    )
    print(
        f"fewest_priority_changes on these galleries: mean {statistics.mean(times):.3f} ms, "
        f"max {max(times):.3f} ms per call"
    )
    for size in (150, 1000):
        priorities, wanted = synthetic(size, args.seed)
        print(
            f"fewest_priority_changes, synthetic {size}-photo gallery, move to front: "
            f"{timed(priorities, wanted, 5):.3f} ms (best of 5), "
            f"{len(fewest_priority_changes(priorities, wanted))} writes "
            f"vs {len(old_rule(priorities, wanted))} with the old rule"
        )
    summary(rows=cases, accounted=accounted, galleries=len(galleries))
    return 0 if accounted == cases else 1


if __name__ == "__main__":
    sys.exit(main())
