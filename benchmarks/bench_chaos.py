"""Chaos soak: update N products while the loopback sandbox injects 20 % faults.

    python benchmarks/bench_chaos.py            # 1,000 products
    python benchmarks/bench_chaos.py --smoke    # 60 products (CI)

Faults: 500, 503, 423, 429, dropped connections (half of them after the write landed) and
responses held past the client's timeout (``slow``), in equal shares. Limits are off so that the
run measures fault handling, not pacing. After ``update_images`` returns, the shop itself (the
oracle) is compared with the edits and with a snapshot taken before:

* every row has exactly one status, and the counts add up to the rows;
* an ``updated`` row's image holds exactly the values asked for;
* a ``failed`` row's image holds either its old or its new values (the call may have landed
  before its answer was lost), any other row's image is untouched;
* no image outside the edits changed, and no image was changed more than once.

``tests/test_faults.py`` runs :func:`soak` at a reduced size and asserts on :attr:`Report.problems`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from _harness import loopback, loopback_client, products_for, summary, table

import shoptet_nb as sn
from shoptet_nb.apply import RESULT_STATUSES
from shoptet_nb.sandbox import SandboxOptions


@dataclass
class Report:
    rows: int
    statuses: dict[str, int]
    faults: dict[str, int]
    responses: dict[str, int]
    requests: int
    wall: float
    problems: list[str] = field(default_factory=list)


def chaos_edits(shop: Any, n: int) -> pd.DataFrame:
    """One row per product (the first n with images): a new caption; every third a priority."""
    rows: list[dict[str, Any]] = []
    for product in shop.products():
        images = shop.images(product["guid"], "shop")
        if not images:
            continue
        i = len(rows)
        row: dict[str, Any] = {
            "guid": product["guid"],
            "gallery": "shop",
            "name": images[-1]["name"],
            "description": f"Chaos {i} – ✓ přes chyby",
        }
        if i % 3 == 0:
            row["priority"] = 1 + (i % 500)
        rows.append(row)
        if len(rows) == n:
            break
    return pd.DataFrame(rows)


def snapshot(shop: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (p["guid"], image["name"]): {
            "priority": image["priority"],
            "description": image["description"],
            "changeTime": image["changeTime"],
        }
        for p in shop.products()
        for image in shop.images(p["guid"], "shop")
    }


def soak(
    products: int,
    *,
    fault_rate: float = 0.2,
    seed: int = 11,
    fault_seed: int = 5,
    timeout: float = 0.5,
) -> Report:
    """Run one soak and judge it against the shop; see the module docstring."""
    options = SandboxOptions(
        seed=seed,
        products=products_for(products),
        limits=False,
        fault_seed=fault_seed,
        slow_response_s=timeout + 0.3,
    )
    with loopback(options) as (base_url, shop):
        edits = chaos_edits(shop, products)
        if "priority" in edits:
            edits["priority"] = edits["priority"].astype("Int64")
        before = snapshot(shop)
        client, _ = loopback_client(
            base_url, shop, timeout=timeout, backoff_base=0.02, backoff_max=0.2
        )
        shop.set_options(fault_rate=fault_rate)
        try:
            started = time.perf_counter()
            result = sn.update_images(client, edits, progress=False, journal=False)
            wall = time.perf_counter() - started
        finally:
            shop.set_options(fault_rate=0.0)
            client.close()
        counters = shop.stats()
        after = snapshot(shop)
    report = Report(
        rows=len(edits),
        statuses=dict(Counter(result.rows["status"].astype(str))),
        faults=counters["faults"],
        responses=counters["responses"],
        requests=sum(n for k, n in counters["requests"].items() if " /api/" in k),
        wall=wall,
    )
    report.problems = judge(edits, result, before, after, counters)
    return report


def judge(
    edits: pd.DataFrame,
    result: sn.Result,
    before: dict[tuple[str, str], dict[str, Any]],
    after: dict[tuple[str, str], dict[str, Any]],
    counters: dict[str, Any],
) -> list[str]:
    """Every way the run broke its promises, as readable lines (empty: none)."""
    problems = []
    rows = result.rows
    if not rows.index.equals(edits.index):
        problems.append("Result.rows does not have the edits' index")
    if rows["status"].isna().any():
        problems.append(f"{int(rows['status'].isna().sum())} row(s) have no status")
    unknown = set(rows["status"].dropna()) - set(RESULT_STATUSES)
    if unknown:
        problems.append(f"unknown statuses {sorted(unknown)}")
    if sum(result.counts.values()) != len(edits):
        problems.append(f"counts {result.counts} do not add up to {len(edits)} rows")
    edited = set()
    for position, edit in enumerate(edits.itertuples(index=False)):
        key = (edit.guid, edit.name)
        edited.add(key)
        status = rows["status"].iloc[position]
        old, now = before[key], after[key]
        wanted = dict(old, description=edit.description)
        if "priority" in edits and not pd.isna(getattr(edit, "priority", None)):
            wanted["priority"] = int(edit.priority)
        values = {k: now[k] for k in ("priority", "description")}
        new = {k: wanted[k] for k in ("priority", "description")}
        was = {k: old[k] for k in ("priority", "description")}
        if status == "updated" and values != new:
            problems.append(f"{key} is 'updated' but the shop holds {values}, not {new}")
        elif status == "failed" and values not in (new, was):
            problems.append(f"{key} is 'failed' and the shop holds {values}: neither old nor new")
        elif status not in ("updated", "failed") and values != was:
            problems.append(f"{key} is {status!r} but changed from {was} to {values}")
    for key, old in before.items():
        if key not in edited and after.get(key) != old:
            problems.append(f"{key} was not in the edits but changed: {old} → {after.get(key)}")
    for path, n in counters["changes"].items():
        guid, _, name = path.split("/", 2)
        if n > 1:
            problems.append(f"{path} was changed {n} times")
        if (guid, name) not in edited:
            problems.append(f"{path} was changed although no row named it")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="60 products instead of 1,000")
    parser.add_argument("--products", type=int, help="override the number of products")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--fault-seed", type=int, default=5)
    args = parser.parse_args(argv)
    n = args.products or (60 if args.smoke else 1000)
    report = soak(n, fault_rate=args.fault_rate, fault_seed=args.fault_seed)
    title = (
        f"Chaos soak: {n:,} products, {args.fault_rate:.0%} faults, loopback sandbox "
        f"({report.requests:,} API requests, {report.wall:.1f} s)"
    )
    print(table(title + " — rows by status", ["status", "rows"], sorted(report.statuses.items())))
    print()
    print(table("Faults injected by kind", ["fault", "count"], sorted(report.faults.items())))
    print()
    print(table("Responses by status", ["HTTP", "count"], sorted(report.responses.items())))
    print()
    print(f"rows: {report.rows}, accounted: {sum(report.statuses.values())}")
    print(f"problems: {len(report.problems)}")
    for line in report.problems[:20]:
        print("  " + line)
    summary(
        rows=report.rows,
        accounted=sum(report.statuses.values()),
        problems=len(report.problems),
        statuses=report.statuses,
        faults=report.faults,
    )
    return 0 if not report.problems and sum(report.statuses.values()) == report.rows else 1


if __name__ == "__main__":
    sys.exit(main())
