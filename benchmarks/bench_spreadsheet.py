"""Issue 11: ``export_captions`` + ``read_captions`` of a large worklist, .xlsx and .csv.

    python benchmarks/bench_spreadsheet.py               # 100,000 rows
    python benchmarks/bench_spreadsheet.py --smoke       # 2,000 rows (CI)
    python benchmarks/bench_spreadsheet.py --rows 20000

The worklist is a synthetic image frame (the columns ``read_images`` returns, Czech captions,
a fifth of them empty, some with lint findings); no shop is involved, since neither function
talks to one. Each format is timed separately for writing and for reading back; the read-back
frame is checked: one row per photo, nothing planned as changed (every ``description`` null)
and no row invalid. ``spreadsheet_round_trip`` is importable (bench_worklist.py uses it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from _harness import summary, table

import shoptet_nb as sn
from shoptet_nb.columns import IMAGE_COLUMNS, typed

CAPTIONS = [
    "Batoh do přírody – boční kapsa",
    "Dárkové balení",
    "IMG_2024.jpg",
    "  Detail  zipu ",
    "Žluťoučký kůň na <b>louce</b>",
    "Pohled zezadu, popruhy a polstrování zad, které se přizpůsobí každému tvaru těla "
    "a dlouho vydrží i na delších túrách po horách",
    None,
]


def worklist(rows: int) -> pd.DataFrame:
    """A synthetic ``read_images`` frame of ``rows`` photos, ten per product."""
    products = [str(uuid.UUID(int=i + 1)) for i in range(rows // 10 + 1)]
    guid = [products[i // 10] for i in range(rows)]
    frame = pd.DataFrame(
        {
            "guid": guid,
            "gallery": "shop",
            "name": [f"foto-{i}.jpg" for i in range(rows)],
            "priority": [i % 10 + 1 for i in range(rows)],
            "description": [CAPTIONS[i % len(CAPTIONS)] for i in range(rows)],
            "url": [f"https://cdn.example.test/user/shop/detail/foto-{i}.jpg" for i in range(rows)],
            "product_name": [f"Produkt {i // 10}" for i in range(rows)],
            # As read: the sheet carries each photo's time for the conflict check.
            "change_time": pd.Timestamp("2024-05-29 07:02:27", tz="UTC"),
        }
    )
    return typed(frame, IMAGE_COLUMNS)


def spreadsheet_round_trip(rows: int) -> dict[str, Any]:
    """Export and read back ``rows`` photos as .xlsx and as .csv; seconds and checks per format.

    Returns ``{"rows": n, "xlsx": {...}, "csv": {...}}``; each format has ``export_s`` and
    ``read_s`` (wall clock), ``export_cpu_s`` and ``read_cpu_s`` (this process's CPU time: the
    steadier figure on a shared machine), ``bytes``, ``rows_read``, ``unchanged`` (rows read
    back with a null caption) and ``invalid`` (rows read back with an ``invalid_reason``).
    """
    frame = worklist(rows)
    out: dict[str, Any] = {"rows": rows}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("xlsx", "csv"):
            path = Path(folder) / f"worklist.{kind}"
            started, started_cpu = time.perf_counter(), time.process_time()
            sn.export_captions(frame, path)
            exported, exported_cpu = time.perf_counter(), time.process_time()
            edits = sn.read_captions(path)
            read, read_cpu = time.perf_counter(), time.process_time()
            out[kind] = {
                "export_s": exported - started,
                "read_s": read - exported,
                "export_cpu_s": exported_cpu - started_cpu,
                "read_cpu_s": read_cpu - exported_cpu,
                "bytes": path.stat().st_size,
                "rows_read": len(edits),
                "unchanged": int(edits["description"].isna().sum()),
                "invalid": int(edits["invalid_reason"].notna().sum()),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="2,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, help="override the number of rows")
    args = parser.parse_args(argv)
    rows = args.rows or (2_000 if args.smoke else 100_000)

    figures = spreadsheet_round_trip(rows)
    lines = [
        (
            kind,
            figures[kind]["export_s"],
            figures[kind]["read_s"],
            figures[kind]["export_cpu_s"],
            figures[kind]["read_cpu_s"],
            round(figures[kind]["bytes"] / 1e6, 1),
            figures[kind]["rows_read"],
            figures[kind]["unchanged"],
            figures[kind]["invalid"],
        )
        for kind in ("xlsx", "csv")
    ]
    print(
        table(
            f"export_captions + read_captions, {rows:,} rows",
            [
                "format",
                "export s",
                "read s",
                "export cpu s",
                "read cpu s",
                "MB",
                "rows read",
                "unchanged",
                "invalid",
            ],
            lines,
        )
    )
    accounted = min(figures[k]["rows_read"] for k in ("xlsx", "csv"))
    problems = sum(
        figures[k]["rows_read"] - figures[k]["unchanged"] + figures[k]["invalid"]
        for k in ("xlsx", "csv")
    )
    summary(rows=rows, accounted=accounted, problems=problems)
    return 0 if problems == 0 and accounted == rows else 1


if __name__ == "__main__":
    sys.exit(main())
