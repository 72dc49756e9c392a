"""The sandbox's product snapshot, jobs, webhooks and result files, as raw HTTP. Every response
(and every line of every result file) is checked against the OpenAPI file by the autouse fixture
in conftest.py."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from datetime import datetime
from typing import Any

import httpx
import pytest

from shoptet_nb.sandbox import SandboxOptions, SandboxShop, serve
from shoptet_nb.sandbox.__main__ import options_from

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


def test_download_costs_no_drops_and_counts_tokens() -> None:
    shop = SandboxShop(products=12, seed=5, snapshot_job_s=5.0, leak_per_s=0.001)
    api = connect(shop)
    job_id = start(api)
    shop.advance_clock(5.0)
    url = job(api, job_id)["resultUrl"]
    filling = api.get("/api/eshop").headers["X-RateLimit-Bucket-Filling"]
    plain = httpx.Client(transport=shop.transport())
    assert plain.get(url).status_code == 200
    assert api.get(url).status_code == 200  # a careless client sends its token along
    head = plain.head(url)
    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) == len(plain.get(url).content)
    after = api.get("/api/eshop").headers["X-RateLimit-Bucket-Filling"]
    assert int(after.split("/")[0]) == int(filling.split("/")[0]) + 1  # the eshop call only
    assert shop.stats()["downloads"] == {"total": 3, "with_token": 1}  # HEAD is no download


def test_without_include_images_lines_have_no_images(shop: SandboxShop, api: httpx.Client) -> None:
    products = finished_file(shop, api)
    assert products
    assert all("images" not in product for product in products)


def test_language_is_recorded_and_used(shop: SandboxShop, api: httpx.Client) -> None:
    guid = next(p["guid"] for p in shop.products() if shop.images(p["guid"]))
    name = shop.images(guid)[0]["name"]
    shop.set_image(guid, "shop", name, description="Slovenský popis", language="sk")
    job_id = start(api, include="images", language="sk", productGuids=guid)
    shop.advance_clock(5.0)
    record = job(api, job_id)
    assert record["language"] == "sk"
    response = httpx.Client(transport=shop.transport()).get(record["resultUrl"])
    (product,) = lines(response.content)
    assert product["images"][0]["description"] == "Slovenský popis"


# --- filters --------------------------------------------------------------------------------


def test_product_guids_and_codes_select_products(shop: SandboxShop, api: httpx.Client) -> None:
    chosen = shop.products()[2:5]
    by_guid = finished_file(shop, api, productGuids=",".join(p["guid"] for p in chosen))
    assert [p["guid"] for p in by_guid] == [p["guid"] for p in chosen]
    codes = ",".join(p["codes"][0].lower() for p in chosen)
    by_code = finished_file(shop, api, productCodes=codes)
    assert [p["guid"] for p in by_code] == [p["guid"] for p in chosen]


def test_product_guids_ignore_other_filters(shop: SandboxShop, api: httpx.Client) -> None:
    hidden = next(p for p in shop.products() if p["visibility"] != "visible")
    found = finished_file(shop, api, productGuids=hidden["guid"], visibility="visible")
    assert [p["guid"] for p in found] == [hidden["guid"]]


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"productGuids": ",".join(f"g{n}" for n in range(51))}, ["invalid-parameter"]),
        ({"productCodes": ",".join(f"C{n}" for n in range(51))}, ["invalid-parameter"]),
        ({"productGuids": " , "}, ["missing-parameter"]),
        ({"productGuids": "a", "productCodes": "b"}, ["invalid-parameter"]),
        (
            {"productGuids": "", "productCodes": ""},
            ["missing-parameter"] * 2 + ["invalid-parameter"],
        ),
        ({"changeTimeFrom": "yesterday"}, ["invalid-parameter"]),
        ({"availabilityId": "x"}, ["invalid-parameter"]),
    ],
)
def test_bad_filters_400_and_no_job(
    api: httpx.Client, params: dict[str, str], codes: list[str]
) -> None:
    response = api.get("/api/products/snapshot", params=params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert sorted(e["errorCode"] for e in errors) == sorted(codes)
    if "productGuids" in params and "productCodes" in params:
        assert any("not both" in e["message"] for e in errors)
    assert api.get("/api/system/jobs").json()["data"]["jobs"] == []


def test_more_than_50_ids_message_names_the_count(api: httpx.Client) -> None:
    response = api.get("/api/products/snapshot", params={"productGuids": ",".join("x" * 55)})
    (item,) = response.json()["errors"]
    assert item["instance"] == "productGuids"
    assert "max. 50" in item["message"]
    assert "55 given" in item["message"]


def test_visibility_and_brand_filters(shop: SandboxShop, api: httpx.Client) -> None:
    hidden = [p["guid"] for p in shop.products() if p["visibility"] == "hidden"]
    assert [p["guid"] for p in finished_file(shop, api, visibility="hidden")] == hidden
    detail_of = {
        p["guid"]: api.get(f"/api/products/{p['guid']}").json()["data"] for p in shop.products()
    }
    brand = next(d["brand"]["code"] for d in detail_of.values() if d["brand"])
    found = finished_file(shop, api, brandCode=brand)
    assert found
    assert [p["guid"] for p in found] == [
        g for g, d in detail_of.items() if d["brand"] and d["brand"]["code"] == brand
    ]


def test_module_sections_need_their_module(api: httpx.Client) -> None:
    response = api.get("/api/products/snapshot", params={"include": "images,consumptionTax"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["errorCode"] == "missing-module"
    assert api.get("/api/system/jobs").json()["data"]["jobs"] == []


@pytest.mark.parametrize("bumps", [True, False])
def test_change_time_from_and_the_image_change_switch(
    shop: SandboxShop, api: httpx.Client, bumps: bool
) -> None:
    shop.set_options(image_change_bumps_product=bumps)
    shop.advance_clock(3600.0)  # the shop's clock stamps the change an hour ahead
    since = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() + 1800))
    guid = next(p["guid"] for p in shop.products() if shop.images(p["guid"]))
    name = shop.images(guid)[0]["name"]
    assert shop.set_image(guid, "shop", name, description="Nový popisek")
    assert finished_file(shop, api, changeTimeFrom=since) == (
        [api.get(f"/api/products/{guid}").json()["data"]] if bumps else []
    )
    # The image itself is stamped by the shop's clock either way.
    stamped = datetime.strptime(shop.images(guid)[0]["changeTime"], "%Y-%m-%dT%H:%M:%S%z")
    assert stamped.timestamp() > time.time() + 1800


# --- job detail and list --------------------------------------------------------------------


def test_unknown_job_404(api: httpx.Client) -> None:
    response = detail(api, "nojob00")
    assert response.status_code == 404
    assert response.json()["errors"][0]["errorCode"] == "job-not-found"


def test_eleventh_detail_of_unfinished_job_is_403(shop: SandboxShop, api: httpx.Client) -> None:
    job_id = start(api)
    for _ in range(10):
        assert job(api, job_id)["status"] in ("pending", "running")
    refused = detail(api, job_id)
    assert refused.status_code == 403
    (item,) = refused.json()["errors"]
    assert item["errorCode"] == "job-detail-try-counter-exceeded-limit"
    assert item["instance"] == job_id
    assert detail(api, job_id).status_code == 403
    shop.advance_clock(5.0)
    assert job(api, job_id)["status"] == "completed"  # finished: the counter no longer bites
    assert job(api, job_id)["status"] == "completed"


def test_job_list_has_no_counter_and_filters(shop: SandboxShop, api: httpx.Client) -> None:
    first = start(api)
    shop.advance_clock(5.0)
    second = start(api)
    for _ in range(15):
        listed = api.get("/api/system/jobs").json()["data"]
        assert [j["jobId"] for j in listed["jobs"]] == [first, second]
    assert job(api, second)["status"] == "pending"
    by_status = api.get("/api/system/jobs", params={"status": "completed"}).json()["data"]
    assert [j["jobId"] for j in by_status["jobs"]] == [first]
    assert by_status["jobs"][0]["validUntil"] is not None
    created = job(api, second)["creationTime"]
    recent = api.get("/api/system/jobs", params={"creationTimeFrom": created}).json()["data"]
    assert [j["jobId"] for j in recent["jobs"]] == [second]
    page = api.get("/api/system/jobs", params={"itemsPerPage": 1, "page": 2}).json()["data"]
    assert [j["jobId"] for j in page["jobs"]] == [second]
    assert page["paginator"] == {
        "totalCount": 2,
        "page": 2,
        "pageCount": 2,
        "itemsOnPage": 1,
        "itemsPerPage": 1,
    }
    assert api.get("/api/system/jobs", params={"status": "done"}).status_code == 400
    assert api.get("/api/system/jobs", params={"itemsPerPage": 501}).status_code == 400


def test_result_expires_after_valid_until(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(job_result_valid_s=60.0)
    job_id = start(api)
    shop.advance_clock(5.0)
    url = job(api, job_id)["resultUrl"]
    files = httpx.Client(transport=shop.transport())
    assert files.get(url).status_code == 200
    shop.advance_clock(60.0)
    gone = job(api, job_id)
    assert gone["status"] == "expired"
    assert gone["resultUrl"] is None
    assert gone["validUntil"] is not None
    assert files.get(url).status_code == 404


def test_unfinished_job_has_no_file(shop: SandboxShop, api: httpx.Client) -> None:
    job_id = start(api)
    queued = shop.app.jobs.get(job_id)
    assert queued is not None
    url = f"http://files.sandbox.shoptet-nb.test/api-results/{queued.file_name}"
    files = httpx.Client(transport=shop.transport())
    assert files.get(url).status_code == 404
    shop.advance_clock(5.0)
    assert job(api, job_id)["resultUrl"] == url
    assert files.get(url).status_code == 200


# --- faults ---------------------------------------------------------------------------------


def test_failed_job_has_a_log_and_no_file(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(job_failure_rate=1.0)
    job_id = start(api)
    shop.advance_clock(5.0)
    failed = job(api, job_id)
    assert failed["status"] == "failed"
    assert failed["resultUrl"] is None
    assert job_id in failed["log"]
    assert shop.stats()["faults"] == {"job_failed": 1}


def test_killed_job(shop: SandboxShop, api: httpx.Client) -> None:
    job_id = start(api)
    assert shop.kill_job(job_id)
    killed = job(api, job_id)
    assert killed["status"] == "killed"
    assert killed["resultUrl"] is None
    assert killed["completionTime"] is not None
    assert "killed" in killed["log"]
    shop.advance_clock(5.0)
    assert job(api, job_id)["status"] == "killed"
    assert not shop.kill_job(job_id)
    with pytest.raises(KeyError):
        shop.kill_job("nojob00")


def test_truncated_result_is_a_short_gzip(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(truncated_result_rate=1.0)
    job_id = start(api, include="images")
    shop.advance_clock(5.0)
    response = httpx.Client(transport=shop.transport()).get(job(api, job_id)["resultUrl"])
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(EOFError):
        gzip.decompress(response.content)
    partial = zlib.decompressobj(wbits=31).decompress(response.content).splitlines()
    assert len(partial) < len(shop.products())
    assert shop.stats()["faults"] == {"truncated_result": 1}


def test_job_faults_are_seeded() -> None:
    def statuses(seed: int) -> list[str]:
        shop = SandboxShop(products=2, fault_seed=seed, job_failure_rate=0.5, snapshot_job_s=0)
        client = connect(shop)
        return [job(client, start(client))["status"] for _ in range(12)]

    assert statuses(3) == statuses(3)
    assert {"failed", "completed"} == set(statuses(3))


# --- over loopback and the command line -----------------------------------------------------


def test_snapshot_over_loopback() -> None:
    options = SandboxOptions(products=6, seed=4, snapshot_job_s=0.0)
    with serve(options) as running:
        with httpx.Client(base_url=running.base_url, headers=TOKEN, timeout=5) as api:
            job_id = start(api, include="images")
            record = job(api, job_id)
            assert record["status"] == "completed"
            url = record["resultUrl"]
            port = running.base_url.rsplit(":", 1)[1]
            assert url.startswith(f"http://localhost:{port}/api-results/")
            response = httpx.get(url, timeout=5)
            assert response.status_code == 200
            products = lines(response.content)
            assert [p["guid"] for p in products] == [p["guid"] for p in running.shop.products()]
            stats = httpx.get(running.base_url + "/_sandbox/stats", timeout=5).json()
            assert stats["downloads"] == {"total": 1, "with_token": 0}
        base_url = running.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/_sandbox/stats", timeout=2)


def test_cli_flags() -> None:
    assert options_from([]).job_webhook is True
    options = options_from(["--no-job-webhook", "--snapshot-job-s", "7.5"])
    assert options.job_webhook is False
    assert options.snapshot_job_s == 7.5


@pytest.mark.parametrize(
    "body",
    [
        {"data": []},
        {"data": [{"event": "job:finished"}]},
        {"data": [{"event": "job:finished", "url": "https://x.test", "secret": 1}]},
        {"data": [{"event": "finished", "url": "https://x.test"}]},
        {"data": [{"event": "job:finished", "url": "https://x.test/" + "a" * 2000}]},
        {"data": {"event": "job:finished", "url": "https://x.test"}},
    ],
)
def test_bad_webhook_bodies_register_nothing(
    shop: SandboxShop, api: httpx.Client, body: Any
) -> None:
    shop.set_options(job_webhook=False)
    response = api.post("/api/webhooks", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["errorCode"] == "invalid-request-data"
    assert api.get("/api/webhooks").json()["data"]["webhooks"] == []
    assert api.get("/api/products/snapshot").status_code == 403


def test_schema_fixture_judges_each_snapshot_line(shop: SandboxShop, api: httpx.Client) -> None:
    from conftest import _complete_lines

    from openapi import SpecViolation, validate_component

    job_id = start(api, include="images")
    shop.advance_clock(5.0)
    packed = httpx.Client(transport=shop.transport()).get(job(api, job_id)["resultUrl"]).content
    first = json.loads(_complete_lines(packed)[0])
    validate_component("product", first, "line")
    with pytest.raises(SpecViolation):
        validate_component("product", {**first, "imagesCount": 3}, "line")
    with pytest.raises(SpecViolation):
        validate_component("product", {**first, "images": [{"name": "1.jpg"}]}, "line")
    cut = _complete_lines(packed[: len(packed) // 2])
    assert 0 < len(cut) < len(shop.products())
    assert all(json.loads(line) for line in cut)
