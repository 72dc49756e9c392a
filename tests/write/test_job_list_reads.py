"""Waiting for many insert jobs of one run shares the job-list reads: one list read answers for
every pending job, so the reads do not grow with the number of jobs; and a job's detail is read
once, after the list shows it finished (Shoptet allows 10 detail reads of an unfinished job)."""

from __future__ import annotations

import pandas as pd
import pytest

import shoptet_nb as sn

pytestmark = pytest.mark.usefixtures("journal_dir")

JOB_LIST = "GET /api/system/jobs"
JOB_DETAIL = "GET /api/system/jobs/{jobId}"
POST = "POST /api/products/{guid}/images/{gallery}"
GALLERIES = 12


def test_restoring_many_galleries_waits_on_one_shared_job_list() -> None:
    """Before: the restore added each gallery with its own add_images call, each waiting on
    its own: ~6 job-list reads per gallery (72 for 12 galleries)."""
    client = sn.sandbox(seed=11, products=60)
    shop = client.sandbox
    rows = []
    for product in shop.products():
        images = shop.images(product["guid"])
        last = images[-1]["name"] if len(images) >= 2 else None
        if last is not None and shop.photo(last).format != "WEBP":  # the insert refuses WebP
            rows.append({"guid": product["guid"], "gallery": "shop", "name": last})
        if len(rows) == GALLERIES:
            break
    assert len(rows) == GALLERIES
    deleted = sn.delete_images(client, pd.DataFrame(rows), remove_references=True)
    assert deleted.counts["deleted"] == GALLERIES

    shop.reset_stats()
    restored = sn.revert(deleted, stage=shop.stage)

    assert restored.rows["status"].tolist() == ["restored"] * GALLERIES
    requests = shop.stats()["requests"]
    assert requests[POST] == GALLERIES  # one insert job per gallery
    # A handful of list reads for all twelve jobs (one before planning, one before posting,
    # the polls of one shared wait), not a wait per job.
    assert requests[JOB_LIST] <= 8, requests[JOB_LIST]
    # Each job's detail once, for its result file: only a finished job's detail is read.
    assert requests[JOB_DETAIL] == GALLERIES
