"""The sandbox's product snapshot, jobs, webhooks and result files, as raw HTTP. Every response
(and every line of every result file) is checked against the OpenAPI file by the autouse fixture
in conftest.py."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest

from shoptet_nb.sandbox import SandboxShop

BASE = "http://sandbox.shoptet-nb.test"
TOKEN = {"Shoptet-Private-API-Token": "test-token-1", "Content-Type": "application/json"}


def connect(shop: SandboxShop, base: str = BASE) -> httpx.Client:
    return httpx.Client(transport=shop.transport(), base_url=base, headers=TOKEN)


@pytest.fixture
def shop() -> SandboxShop:
    return SandboxShop(products=12, seed=5, snapshot_job_s=5.0)


@pytest.fixture
def api(shop: SandboxShop) -> httpx.Client:
    return connect(shop)


def start(api: httpx.Client, **params: Any) -> str:
    response = api.get("/api/products/snapshot", params=params)
    assert response.status_code == 202, response.text
    return str(response.json()["data"]["jobId"])


def detail(api: httpx.Client, job_id: str) -> httpx.Response:
    return api.get(f"/api/system/jobs/{job_id}")


def job(api: httpx.Client, job_id: str) -> dict[str, Any]:
    response = detail(api, job_id)
    assert response.status_code == 200, response.text
    return response.json()["data"]["job"]  # type: ignore[no-any-return]


def lines(packed: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(packed).splitlines()]


def finished_file(shop: SandboxShop, api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    job_id = start(api, **params)
    shop.advance_clock(shop.options.snapshot_job_s)
    url = job(api, job_id)["resultUrl"]
    # The file lives on another host: sent without the token, as a real client should.
    response = httpx.Client(transport=shop.transport()).get(url)
    assert response.status_code == 200
    return lines(response.content)


# --- the happy path -------------------------------------------------------------------------


def test_snapshot_job_runs_pending_running_completed(shop: SandboxShop, api: httpx.Client) -> None:
    job_id = start(api, include="images")
    first = job(api, job_id)
    assert first["status"] == "pending"
    assert first["resultUrl"] is None
    assert first["validUntil"] is None
    assert first["completionTime"] is None
    assert first["duration"] is None
    shop.advance_clock(2.0)
    assert job(api, job_id)["status"] == "running"
    shop.advance_clock(3.0)
    done = job(api, job_id)
    assert done["status"] == "completed"
    assert done["endpoint"] == "/api/products/snapshot"
    assert done["duration"] == "5.000"
    assert done["validUntil"] is not None
    assert done["log"]
    assert done["resultUrl"].startswith("http://files.sandbox.shoptet-nb.test/api-results/")
    assert done["resultUrl"].endswith(".jsonl.gz")


def test_result_file_is_gzipped_product_details_with_both_galleries(
    shop: SandboxShop, api: httpx.Client
) -> None:
    products = finished_file(shop, api, include="images")
    assert [p["guid"] for p in products] == [p["guid"] for p in shop.products()]
    for product in products:
        expected = shop.images(product["guid"], "shop") + shop.images(product["guid"], "shop360")
        assert product["images"] == expected
        same = api.get(f"/api/products/{product['guid']}", params={"include": "images"})
        assert product == same.json()["data"]
    assert any(image["gallery"] == "shop360" for p in products for image in p["images"])


def test_without_job_webhook_403_and_no_job(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(job_webhook=False)
    response = api.get("/api/products/snapshot")
    assert response.status_code == 403
    assert "job:finished" in response.json()["errors"][0]["message"]
    assert api.get("/api/system/jobs").json()["data"]["jobs"] == []
    assert api.get("/api/webhooks").json()["data"]["webhooks"] == []


def test_registering_job_finished_webhook_enables_snapshots(
    shop: SandboxShop, api: httpx.Client
) -> None:
    shop.set_options(job_webhook=False)
    body = {"data": [{"event": "job:finished", "url": "https://example.test/hook"}]}
    created = api.post("/api/webhooks", json=body)
    assert created.status_code == 201
    assert created.json()["data"]["webhooks"][0]["event"] == "job:finished"
    assert api.get("/api/products/snapshot").status_code == 202
    again = api.post("/api/webhooks", json=body)
    assert again.status_code == 422
    assert "already exists" in again.json()["errors"][0]["message"]


def test_download_costs_no_drops_and_counts_tokens(shop: SandboxShop, api: httpx.Client) -> None:
    job_id = start(api)
    shop.advance_clock(5.0)
    url = job(api, job_id)["resultUrl"]
    filling = api.get("/api/eshop").headers["X-RateLimit-Bucket-Filling"]
    plain = httpx.Client(transport=shop.transport())
    assert plain.get(url).status_code == 200
    assert api.get(url).status_code == 200  # a careless client sends its token along
    after = api.get("/api/eshop").headers["X-RateLimit-Bucket-Filling"]
    assert int(after.split("/")[0]) <= int(filling.split("/")[0]) + 1
    assert shop.stats()["downloads"] == {"total": 2, "with_token": 1}
