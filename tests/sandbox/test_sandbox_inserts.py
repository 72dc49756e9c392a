"""The sandbox's image inserts (createProductImages as a job), staged sources and DELETE of one
photo, as raw HTTP. Every response and accepted request body is checked against the OpenAPI
file by the autouse fixture in conftest.py."""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import httpx
import pytest

from shoptet_nb.sandbox import SandboxShop
from shoptet_nb.sandbox.pictures import picture

BASE = "http://sandbox.shoptet-nb.test"
TOKEN = {"Shoptet-Private-API-Token": "test-token-1", "Content-Type": "application/json"}
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + bytes(30)


@pytest.fixture
def shop() -> SandboxShop:
    return SandboxShop(products=6, seed=3, insert_job_s=5.0)


@pytest.fixture
def api(shop: SandboxShop) -> httpx.Client:
    return httpx.Client(transport=shop.transport(), base_url=BASE, headers=TOKEN)


def guid(shop: SandboxShop, n: int = 0) -> str:
    return str(shop.products()[n]["guid"])


def post(api: httpx.Client, guid: str, items: list[dict[str, Any]]) -> httpx.Response:
    return api.post(f"/api/products/{guid}/images/shop", json={"data": {"images": items}})


def finish(shop: SandboxShop, api: httpx.Client, job_id: str) -> dict[str, Any]:
    shop.advance_clock(shop.options.insert_job_s)
    response = api.get(f"/api/system/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]["job"]  # type: ignore[no-any-return]


def result_of(shop: SandboxShop, job: dict[str, Any]) -> dict[str, Any]:
    # The file is fetched without the token, as a real client must.
    response = httpx.Client(transport=shop.transport()).get(job["resultUrl"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return json.loads(response.content)  # type: ignore[no-any-return]


def test_insert_is_a_job_and_photos_appear_only_when_it_completes(
    shop: SandboxShop, api: httpx.Client
) -> None:
    g = guid(shop)
    before = shop.images(g)
    first, second = picture("a", 40, 30), picture("b", 40, 30)
    urls = [shop.stage(first), shop.stage(second)]
    response = post(
        api, g, [{"sourceUrl": urls[0], "description": "Přední"}, {"sourceUrl": urls[1]}]
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["data"]["jobId"]
    detail = api.get(f"/api/system/jobs/{job_id}").json()["data"]["job"]
    assert detail["status"] == "pending"
    assert detail["endpoint"] == f"/api/products/{g}/images/shop"
    assert shop.images(g) == before  # nothing yet
    shop.advance_clock(2.0)
    assert api.get(f"/api/system/jobs/{job_id}").json()["data"]["job"]["status"] == "running"
    assert shop.images(g) == before

    job = finish(shop, api, job_id)
    assert job["status"] == "completed"
    assert job["log"] == "Inserted 2 of 2 images."
    after = shop.images(g)
    new = after[len(before) :]
    number = shop.products().index(next(p for p in shop.products() if p["guid"] == g)) + 1
    assert [image["name"] for image in new] == [f"{number}-2.png", f"{number}-3.png"]
    assert new[0]["description"] == "Přední"
    top = max(i["priority"] for i in before if i["priority"] is not None)
    assert [image["priority"] for image in new] == [top + 1, top + 2]  # appended (A3)
    result = result_of(shop, job)
    assert result == {
        "data": {
            "images": [
                {
                    "index": k,
                    "name": new[k]["name"],
                    "sourceUrl": urls[k],
                    "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                }
                for k, data in enumerate((first, second))
            ]
        },
        "errors": None,
    }
    # The original is the fetched file, byte for byte.
    files = httpx.Client(transport=shop.transport())
    orig = files.get(f"{BASE}/user/shop/orig/{new[0]['name']}")
    assert orig.content == first
    assert shop.stats()["photos_per_hash"][f"{g}/shop/{hashlib.sha256(first).hexdigest()}"] == 1


def test_sources_that_fail_are_errors_of_their_item_and_the_rest_lands(
    shop: SandboxShop, api: httpx.Client
) -> None:
    shop.set_options(max_source_bytes=5000, slow_source_s=0.05, source_timeout_s=0.01)
    good = picture("good", 30, 20)
    items = [
        {"sourceUrl": shop.stage(picture("x", 8, 8), behaviour="missing")},
        {"sourceUrl": shop.stage(good)},
        {"sourceUrl": shop.stage(good, behaviour="html")},
        {"sourceUrl": shop.stage(WEBP)},
        {"sourceUrl": shop.stage(b"\xff\xd8\xff" + bytes(6000))},
        {"sourceUrl": shop.stage(good, behaviour="slow")},
        {"sourceUrl": "https://example.com/not-staged.jpg"},
    ]
    job_id = post(api, guid(shop), items).json()["data"]["jobId"]
    job = finish(shop, api, job_id)
    assert job["log"] == "Inserted 1 of 7 images."
    result = result_of(shop, job)
    assert [image["index"] for image in result["data"]["images"]] == [1]
    codes = {e["instance"]: e["errorCode"] for e in result["errors"]}
    assert codes == {
        "data.images[0]": "file-not-found",
        "data.images[2]": "file-upload-invalid-type",
        "data.images[3]": "file-upload-invalid-type",
        "data.images[4]": "file-upload-size-limit",
        "data.images[5]": "file-upload-error",
        "data.images[6]": "file-not-found",
    }


def test_webp_is_accepted_when_the_switch_says_so(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(insert_webp="accept")
    job = finish(
        shop, api, post(api, guid(shop), [{"sourceUrl": shop.stage(WEBP)}]).json()["data"]["jobId"]
    )
    assert result_of(shop, job)["data"]["images"][0]["name"].endswith(".webp")


def test_no_job_without_the_job_finished_webhook() -> None:
    shop = SandboxShop(products=3, job_webhook=False)
    api = httpx.Client(transport=shop.transport(), base_url=BASE, headers=TOKEN)
    response = post(api, guid(shop), [{"sourceUrl": shop.stage(picture("a"))}])
    assert response.status_code == 403
    assert response.json()["errors"][0]["errorCode"] == "webhook-not-registered"
    assert api.get("/api/system/jobs").json()["data"]["jobs"] == []


def test_the_same_request_again_while_its_job_runs_is_locked(
    shop: SandboxShop, api: httpx.Client
) -> None:
    items = [{"sourceUrl": shop.stage(picture("a"))}]
    assert post(api, guid(shop), items).status_code == 202
    again = post(api, guid(shop), items)
    assert again.status_code == 423
    assert again.json()["errors"][0]["errorCode"] == "locked"
    # Another body, or another product, is not the same request.
    assert post(api, guid(shop), [*items, *items]).status_code == 202
    assert post(api, guid(shop, 1), items).status_code == 202
    assert len(api.get("/api/system/jobs").json()["data"]["jobs"]) == 3
    shop.advance_clock(shop.options.insert_job_s)
    assert post(api, guid(shop), items).status_code == 202  # its job has ended: a new one


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"images": []}},
        {"data": {"images": [{"sourceUrl": "http://x/y.jpg", "priority": 0}]}},
        {"data": {"images": [{"sourceUrl": "http://x/y.jpg", "name": "y.jpg"}]}},
        {"data": {"images": [{"sourceUrl": ""}]}},
        {"data": {"images": [{"sourceUrl": "http://x/" + "y" * 2000}]}},
        {"data": {"images": [{"sourceUrl": "http://x/y.jpg"}] * 101}},
    ],
)
def test_a_body_that_breaks_the_schema_queues_nothing(
    shop: SandboxShop, api: httpx.Client, body: dict[str, Any]
) -> None:
    response = api.post(f"/api/products/{guid(shop)}/images/shop", json=body)
    assert response.status_code == 422
    assert api.get("/api/system/jobs").json()["data"]["jobs"] == []


def test_photos_per_hash_counts_a_duplicate(shop: SandboxShop, api: httpx.Client) -> None:
    data = picture("dup", 20, 20)
    g = guid(shop)
    job = post(api, g, [{"sourceUrl": shop.stage(data)}, {"sourceUrl": shop.stage(data)}])
    finish(shop, api, job.json()["data"]["jobId"])
    assert shop.stats()["photos_per_hash"] == {f"{g}/shop/{hashlib.sha256(data).hexdigest()}": 2}


def test_staged_files_are_served_without_a_token(shop: SandboxShop) -> None:
    files = httpx.Client(transport=shop.transport())
    data = picture("s", 10, 10)
    ok = files.get(shop.stage(data))
    assert (ok.status_code, ok.headers["Content-Type"], ok.content) == (200, "image/png", data)
    assert files.get(shop.stage(data, behaviour="missing")).status_code == 404
    assert (
        files.get(shop.stage(data, behaviour="html"))
        .headers["Content-Type"]
        .startswith("text/html")
    )
    with pytest.raises(ValueError, match="behaviour"):
        shop.stage(data, behaviour="teapot")
    assert shop.stats()["downloads"]["with_token"] == 0
