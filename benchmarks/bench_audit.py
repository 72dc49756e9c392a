"""The image audit over loopback: findings against the sandbox's oracle, bytes, time.

    python benchmarks/bench_audit.py                  # about 10,000 photos, 50 ms latency
    python benchmarks/bench_audit.py --photos 2000    # a smaller shop
    python benchmarks/bench_audit.py --smoke          # about 200 photos, 10 ms (CI)

The sandbox is served on 127.0.0.1 with 50 ms latency on the API and on the picture host, its
seeded photos (sizes below 500 px and over 64 MP, files over 16 MB, extensions that lie) and
``photo_copies`` (exact, resized and re-encoded copies in a gallery and across products, and
look-alikes that are not copies). The images frame comes from a snapshot; then
``audit_images`` runs twice with a fresh cache folder. Printed: recall and precision of each
rule against the oracle (``SandboxShop.photo``: two photos are duplicates when their scene is
the same), bytes and requests per photo, requests that carried a token to the picture host, the
second run's bytes, and the wall time against the bound of 3 requests in flight.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

import pandas as pd
from _harness import loopback, loopback_client, stats, summary, table

import shoptet_nb as sn
from shoptet_nb.audit.facts import extension_matches
from shoptet_nb.audit.rules import MAX_BYTES, MAX_PIXELS
from shoptet_nb.sandbox import SandboxOptions

IMAGES_PER_PRODUCT = 12.5  # the seeded catalogue's mean, with photo_copies=0.3 (measured)


def truth(shop: Any, photos: pd.DataFrame) -> pd.DataFrame:
    """The oracle's facts for each photo of the frame."""
    rows = []
    for name in photos["name"]:
        photo = shop.photo(name)
        short = min(photo.width, photo.height)
        rows.append(
            {
                "scene": photo.scene,
                "variant": photo.variant,
                "below_500": short < 500,
                "over_16mb": photo.bytes > MAX_BYTES,
                "over_64mp": photo.width * photo.height > MAX_PIXELS,
                "ext_mismatch": not extension_matches(name, photo.format),
            }
        )
    return pd.DataFrame(rows, index=photos.index)


def pairs(labels: pd.Series) -> set[tuple[int, int]]:
    """Pairs of row positions that share a label (NA labels pair with nothing)."""
    members: dict[Any, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        if not pd.isna(label):
            members[label].append(position)
    return {pair for group in members.values() for pair in itertools.combinations(group, 2)}


def score(found: set[Any], expected: set[Any]) -> tuple[float, float]:
    hits = len(found & expected)
    recall = hits / len(expected) if expected else 1.0
    precision = hits / len(found) if found else 1.0
    return recall, precision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="about 200 photos, 10 ms latency")
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=None, help="default 50")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    wanted = 120 if args.smoke else args.photos
    if args.latency_ms is None:
        args.latency_ms = 10.0 if args.smoke else 50.0
    options = SandboxOptions(
        seed=args.seed,
        products=max(10, round(wanted / IMAGES_PER_PRODUCT)),
        latency_ms=args.latency_ms,
        picture_latency_ms=args.latency_ms,
        photo_copies=0.3,
        snapshot_job_s=0.5,
    )
    with loopback(options) as (base_url, shop), tempfile.TemporaryDirectory() as folder:
        client, _ = loopback_client(base_url, shop)
        images = sn.read_images(client, method="snapshot", progress=False)
        before = stats(base_url)["pictures"]
        started = time.perf_counter()
        audit = sn.audit_images(client, images, cache=folder, progress=not args.smoke)
        seconds = time.perf_counter() - started
        first = {k: v - before[k] for k, v in stats(base_url)["pictures"].items()}
        again = sn.audit_images(client, images, cache=folder, progress=False)
        second = {k: v - first[k] - before[k] for k, v in stats(base_url)["pictures"].items()}
        client.close()
        photos = audit.photos.drop_duplicates(["guid", "gallery", "name"]).reset_index(drop=True)
        expected = truth(shop, photos)

    rows = len(audit.photos)
    accounted = int(audit.photos["status"].isin(["ok", "cached", "failed"]).sum())
    found_rules = photos["findings"]
    rule_rows = []
    perfect_rules = True
    for rule in ("below_500", "over_16mb", "over_64mp", "ext_mismatch"):
        found = set(photos.index[found_rules.map(lambda f, r=rule: r in f).to_numpy()])
        seeded = set(photos.index[expected[rule].to_numpy()])
        recall, precision = score(found, seeded)
        perfect_rules &= recall == 1.0 and precision == 1.0
        rule_rows.append([rule, len(seeded), len(found), recall, precision])
    duplicate_pairs = pairs(expected["scene"])
    found_pairs = pairs(photos["duplicate_group"])
    recall, precision = score(found_pairs, duplicate_pairs)
    rule_rows.append(["duplicate pairs", len(duplicate_pairs), len(found_pairs), recall, precision])
    # Seeded copies by kind: found when grouped with a photo of their scene; look-alikes when not.
    group_of = photos["duplicate_group"]
    variant_rows = []
    for variant in ("exact", "resized", "reencoded", "lookalike"):
        chosen = expected.index[expected["variant"] == variant]
        grouped = 0
        for position in chosen:
            label = group_of.iloc[position]
            if pd.isna(label):
                continue
            mates = photos.index[(group_of == label).fillna(False).to_numpy()]
            base_scene = expected.loc[position, "scene"].removesuffix("#lookalike")
            if any(expected.loc[m, "scene"] == base_scene for m in mates if m != position):
                grouped += 1
        variant_rows.append([variant, len(chosen), grouped])
    requests = first["requests"]
    bound = requests * args.latency_ms / 1000 / 3
    n = len(photos)
    print(
        table(
            f"Findings against the oracle ({n:,} photos, {len(audit.products):,} galleries)",
            ["rule", "expected", "found", "recall", "precision"],
            rule_rows,
        )
    )
    print()
    print(
        table(
            "Seeded copies grouped with their source (look-alikes should not be)",
            ["variant", "photos", "grouped with source"],
            variant_rows,
        )
    )
    print()
    print(
        table(
            f"Downloads (latency {args.latency_ms:.0f} ms, at most 3 in flight)",
            ["measure", "value"],
            [
                ["picture requests, first run", requests],
                ["bytes, first run", first["bytes"]],
                ["bytes per photo (KB)", first["bytes"] / max(n, 1) / 1024],
                ["requests per photo", requests / max(n, 1)],
                ["requests with a token to the picture host", first["with_token"]],
                ["bytes, second run (cache)", second["bytes"]],
                ["requests, second run", second["requests"]],
                ["wall time, first run (s)", seconds],
                ["bound: requests × latency / 3 (s)", bound],
                ["wall time / bound", seconds / bound if bound else 0.0],
            ],
        )
    )
    summary(
        rows=rows,
        accounted=accounted,
        photos=n,
        failed=int((photos["status"] == "failed").sum()),
        duplicate_recall=round(recall, 4),
        duplicate_precision=round(precision, 4),
        rules_perfect=perfect_rules,
        kb_per_photo=round(first["bytes"] / max(n, 1) / 1024, 2),
        with_token=first["with_token"],
        second_run_bytes=second["bytes"],
        second_run_cached=int((again.photos["status"] == "cached").sum()),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
