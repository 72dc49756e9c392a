"""Every benchmark script runs at its ``--smoke`` size, exits 0 and accounts for every row.

Timings are printed by the scripts but never asserted here: CI machines are shared and slow.
The counts come from the script's ``SUMMARY {...}`` line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# The scripts of issues 6 and 12 that print a SUMMARY line (the widget's figure is measured by the
# browser tests and its own script).
SCRIPTS = [
    "bench_add.py",
    "bench_audit.py",
    "bench_chaos.py",
    "bench_delete.py",
    "bench_gallery_reads.py",
    "bench_interrupt.py",
    "bench_overhead.py",
    "bench_reorder_writes.py",
    "bench_scale.py",
    "bench_snapshot.py",
    "bench_spreadsheet.py",
    "bench_throughput.py",
    "bench_worklist.py",  # --smoke: the save part only (its browser figures need Chromium)
]


def test_every_listed_benchmark_exists() -> None:
    assert all((BENCHMARKS / name).is_file() for name in SCRIPTS)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_smoke(script: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=BENCHMARKS.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    shown = f"stdout:\n{completed.stdout[-3000:]}\nstderr:\n{completed.stderr[-3000:]}"
    assert completed.returncode == 0, shown
    lines = [line for line in completed.stdout.splitlines() if line.startswith("SUMMARY ")]
    assert len(lines) == 1, shown
    summary = json.loads(lines[0].removeprefix("SUMMARY "))
    assert summary["rows"] > 0, shown
    assert summary["accounted"] == summary["rows"], shown
    assert "=====" in completed.stdout, "no table printed\n" + shown
    if script == "bench_add.py":
        assert summary["duplicates"] == 0, shown
        assert summary["in_order"] == summary["products"], shown
        assert summary["problems"] == 0, shown  # one status a row, POSTs and detail reads
    if script == "bench_audit.py":
        assert summary["failed"] == 0, shown
        assert summary["rules_perfect"] is True, shown
        assert summary["with_token"] == 0, shown
        assert summary["second_run_bytes"] == 0, shown
        assert summary["second_run_cached"] == summary["rows"], shown
        assert summary["kb_per_photo"] <= 70, shown
    if script == "bench_chaos.py":
        assert summary["problems"] == 0, shown
        assert sum(summary["statuses"].values()) == summary["rows"], shown
    if script == "bench_delete.py":
        n = summary["rows"]
        assert summary["blocked_in_dry_run"] == summary["referenced"] == 20, shown
        assert summary["dry_run_deletes"] == summary["gallery_delete_requests"] == 0, shown
        assert summary["deleted"] == summary["delete_requests"] == summary["archived_ok"] == n, (
            shown
        )
        assert summary["not_restored_without_stage"] == n, shown
        # WebP originals are refused by the default policy (each such row says so); all
        # others return, whatever their size (bytes the shop served: no 32 MB guard).
        assert summary["refused_too_large"] == 0, shown
        assert summary["refused_webp"] == summary["webp_originals"] > 0, shown
        assert summary["restored"] + summary["refused_webp"] == n, shown
        assert summary["bytes_ok"] == summary["restored"], shown
        assert summary["captions_ok"] == 3 * summary["restored"], shown
        assert summary["order_ok"] == summary["products_all_restorable"], shown
        assert summary["references_ok"] == summary["referenced"], shown
        # webp="png" on the same delete: the rest come back as PNGs of the same pixels.
        assert summary["png_restored"] == summary["refused_webp"], shown
        assert summary["png_skipped"] == summary["restored"], shown
        assert summary["png_back"] == summary["png_same_picture"] == n, shown
        assert summary["png_bytes_ok"] == summary["png_bytes_compared"] == summary["restored"], (
            shown
        )
        assert summary["png_pixels_ok"] == summary["webp_originals"], shown
        assert summary["png_captions_ok"] == 3 * n, shown
        assert summary["png_order_ok"] == summary["products"], shown
        assert summary["png_references_ok"] == summary["referenced"], shown
        # The real add path: one insert job per gallery, one shared wait on the job list for
        # all of them (a wait per gallery read it ~6 times each: 570 reads for 95 jobs).
        assert 0 < summary["restore_posts"] <= summary["products"], shown
        assert summary["restore_job_list_reads"] <= 10, shown
    if script == "bench_interrupt.py":
        assert summary["interrupted"] == summary["runs"], shown
        assert summary["missing_from_journal"] == 0, shown
        assert summary["not_restored"] == 0, shown
        assert all(n is not None and n <= 3 for n in summary["patches_after"]), shown
    if script == "bench_overhead.py":
        assert summary["same_requests"] is True, shown
    if script == "bench_snapshot.py":
        assert summary["same_frame"] is True, shown
        assert summary["with_token"] == 0, shown
        assert 0 < summary["snapshot_requests"] <= 15, shown
    if script == "bench_reorder_writes.py":
        assert summary["galleries"] > 0, shown
    if script == "bench_spreadsheet.py":
        assert summary["problems"] == 0, shown  # an untouched file reads back as no change
    if script == "bench_scale.py":
        assert summary["expected_images"] == summary["rows"], shown
        assert summary["read_failed"] == 0, shown
