"""Resuming snapshot jobs and downloading their files at the edges (issue "Trust holes")."""

from __future__ import annotations

from typing import Any

import pytest

import shoptet_nb as sn
from shoptet_nb import errors
from shoptet_nb.client import ShoptetClient
from shoptet_nb.jobs import DETAIL_REQUEST_LIMIT

DETAIL = "GET /api/system/jobs/{jobId}"


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shoptet_nb.jobs.FIRST_POLL_S", 0.02)
    monkeypatch.setattr("shoptet_nb.jobs.MAX_POLL_S", 0.05)


def shop_client(**options: Any) -> ShoptetClient:
    settings = {"seed": 3, "products": 40, "snapshot_job_s": 0.2, **options}
    return sn.sandbox(**settings)  # type: ignore[no-any-return]


@pytest.mark.usefixtures("quick_polls")
def test_resuming_an_unfinished_job_many_times_never_spends_the_detail_reads() -> None:
    client = shop_client(snapshot_job_s=600)
    job = client.start_snapshot()
    for _ in range(DETAIL_REQUEST_LIMIT + 3):
        with pytest.raises(errors.JobTimeoutError, match=job.job_id):
            sn.read_images(client, job_id=job.job_id, timeout=0.05, progress=False)
    assert client.sandbox.stats()["requests"].get(DETAIL, 0) == 0
    client.sandbox.advance_clock(600)
    images = sn.read_images(client, job_id=job.job_id, progress=False)
    assert len(images) > 0
    assert client.sandbox.stats()["requests"].get(DETAIL, 0) == 1


def test_the_detail_limit_is_a_job_error_that_says_to_wait() -> None:
    client = shop_client(snapshot_job_s=600)
    job = client.start_snapshot()
    for _ in range(DETAIL_REQUEST_LIMIT):
        client.job(job.job_id)
    with pytest.raises(errors.JobError, match=r"(?i)wait.*finish") as caught:
        client.job(job.job_id)
    assert not isinstance(caught.value, errors.AuthenticationError)
    assert caught.value.job_id == job.job_id


@pytest.mark.usefixtures("quick_polls")
@pytest.mark.parametrize("hops", [1, 3])
def test_a_redirected_result_file_is_followed_without_the_token(hops: int) -> None:
    client = shop_client(result_redirects=hops)
    images = sn.read_images(client, gallery="all", method="snapshot", progress=False)
    expected = sn.read_images(client, gallery="all", method="galleries", progress=False)
    assert len(images) == len(expected) > 0
    stats = client.sandbox.stats()
    assert stats["downloads"] == {"total": 1, "with_token": 0}
    assert stats["requests"].get("GET /api-results/{file}", 0) == hops + 1


@pytest.mark.usefixtures("quick_polls")
def test_a_result_file_that_redirects_in_a_loop_is_a_clear_error() -> None:
    client = shop_client(result_redirects=1000)
    with pytest.raises(errors.NetworkError, match=r"redirects more than 10 times") as caught:
        sn.read_images(client, gallery="all", method="snapshot", progress=False)
    assert "truncated" not in str(caught.value)
    assert client.sandbox.stats()["downloads"]["with_token"] == 0
