"""The sandbox's endpoints, happy paths and errors. Every response is also checked against the
OpenAPI file by the autouse fixture in conftest.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shoptet_nb.sandbox import SandboxOptions, SandboxShop, app

BASE = "http://sandbox.shoptet-nb.test"
TOKEN = {"Shoptet-Private-API-Token": "test-token-1", "Content-Type": "application/json"}
IMAGES = "/api/products/{guid}/images/{gallery}"


def connect(shop: SandboxShop, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(
        transport=shop.transport(), base_url=BASE, headers=TOKEN if headers is None else headers
    )


@pytest.fixture
def shop() -> SandboxShop:
    return SandboxShop(products=30, seed=11)


@pytest.fixture
def api(shop: SandboxShop) -> httpx.Client:
    return connect(shop)


def guid_with(shop: SandboxShop, minimum: int, gallery: str = "shop") -> str:
    return next(
        str(p["guid"])
        for p in shop.products()
        if len(shop.images(str(p["guid"]), gallery)) >= minimum
    )


def patch(api: httpx.Client, guid: str, items: Any, gallery: str = "shop") -> httpx.Response:
    return api.patch(f"/api/products/{guid}/images/{gallery}", json={"data": {"images": items}})


# --- envelope, headers, auth ----------------------------------------------------------------


def test_envelope_and_headers(api: httpx.Client) -> None:
    response = api.get("/api/eshop")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"data", "errors", "metadata"}
    assert body["errors"] is None
    assert response.headers["X-Request-ID"] == body["metadata"]["requestId"]
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-RateLimit-Bucket-Filling"] == "1/200"


def test_request_ids_differ(api: httpx.Client) -> None:
    ids = {api.get("/api/eshop").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_401_without_token(shop: SandboxShop) -> None:
    response = connect(shop, {"Content-Type": "application/json"}).get("/api/products")
    assert response.status_code == 401
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["errorCode"] == "missing-access-token"
    assert response.headers["X-RateLimit-Bucket-Filling"] == "0/200"


def test_access_token_header_works_too(shop: SandboxShop) -> None:
    headers = {"Shoptet-Access-Token": "123456-a-111-abc", "Content-Type": "application/json"}
    assert connect(shop, headers).get("/api/eshop").status_code == 200


def test_expired_token(shop: SandboxShop, api: httpx.Client) -> None:
    assert api.get("/api/eshop").status_code == 200
    shop.expire_token("test-token-1")
    response = api.get("/api/eshop")
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorCode"] == "expired-token"
    other = {"Shoptet-Private-API-Token": "fresh", "Content-Type": "application/json"}
    assert connect(shop, other).get("/api/eshop").status_code == 200


def test_tokens_never_appear_in_stats(shop: SandboxShop, api: httpx.Client) -> None:
    api.get("/api/eshop")
    dumped = json.dumps(shop.stats())
    assert "test-token-1" not in dumped
    assert list(shop.stats()["max_concurrency"]) == [
        __import__("hashlib").sha256(b"test-token-1").hexdigest()[:8]
    ]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/vnd.shoptet.v1.0", "application/json; charset=utf-8"],
)
def test_accepted_content_types(shop: SandboxShop, content_type: str) -> None:
    headers = {"Shoptet-Private-API-Token": "t", "Content-Type": content_type}
    assert connect(shop, headers).get("/api/eshop").status_code == 200


def test_wrong_or_missing_content_type(shop: SandboxShop) -> None:
    wrong = {"Shoptet-Private-API-Token": "t", "Content-Type": "text/plain"}
    assert connect(shop, wrong).get("/api/eshop").status_code == 400
    missing = {"Shoptet-Private-API-Token": "t"}
    assert connect(shop, missing).get("/api/eshop").status_code == 400
    shop.set_options(require_content_type=False)
    assert connect(shop, missing).get("/api/eshop").status_code == 200


def test_unknown_path_and_method(api: httpx.Client) -> None:
    assert api.get("/api/nothing-here").status_code == 404
    assert api.delete("/api/eshop").status_code == 405


# --- products -------------------------------------------------------------------------------


def test_product_list_pages(shop: SandboxShop, api: httpx.Client) -> None:
    first = api.get("/api/products").json()["data"]
    assert first["paginator"] == {
        "totalCount": 30,
        "page": 1,
        "pageCount": 2,
        "itemsOnPage": 20,
        "itemsPerPage": 20,
    }
    second = api.get("/api/products", params={"page": 2}).json()["data"]
    assert second["paginator"]["itemsOnPage"] == 10
    listed = [p["guid"] for p in first["products"] + second["products"]]
    assert listed == [p["guid"] for p in shop.products()]
    beyond = api.get("/api/products", params={"page": 9}).json()["data"]
    assert beyond["products"] == []


def test_product_list_with_main_images(shop: SandboxShop, api: httpx.Client) -> None:
    data = api.get("/api/products", params={"include": "images", "itemsPerPage": 30}).json()["data"]
    for item in data["products"]:
        main = [i for i in shop.images(item["guid"]) if i["isMainImage"]]
        if item["mainImage"] is not None:
            assert item["mainImage"]["name"] == main[0]["name"]
        else:
            assert not main or main[0]["priority"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"itemsPerPage": 1001}, "invalid-parameter"),
        ({"itemsPerPage": 0}, "invalid-parameter"),
        ({"page": "x"}, "invalid-parameter"),
        ({"changeTimeFrom": "yesterday"}, "invalid-parameter"),
        ({"productGuids": ""}, "missing-parameter"),
        ({"productGuids": ",".join(f"g{i}" for i in range(51))}, "invalid-parameter"),
        ({"language": "de"}, "invalid-parameter"),
    ],
)
def test_product_list_bad_parameters(api: httpx.Client, params: dict[str, Any], code: str) -> None:
    response = api.get("/api/products", params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == code


def test_items_per_page_up_to_1000(api: httpx.Client) -> None:
    data = api.get("/api/products", params={"itemsPerPage": 1000}).json()["data"]
    assert data["paginator"]["itemsOnPage"] == 30


def test_filter_by_guids_and_visibility(shop: SandboxShop, api: httpx.Client) -> None:
    wanted = [str(p["guid"]) for p in shop.products()[3:6]]
    data = api.get("/api/products", params={"productGuids": ",".join(wanted)}).json()["data"]
    assert [p["guid"] for p in data["products"]] == wanted
    hidden = [p for p in shop.products() if p["visibility"] == "hidden"]
    data = api.get("/api/products", params={"visibility": "hidden"}).json()["data"]
    assert data["paginator"]["totalCount"] == len(hidden)


def test_change_time_from_finds_products_whose_images_changed(
    shop: SandboxShop, api: httpx.Client
) -> None:
    since = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() - 1))
    assert (
        api.get("/api/products", params={"changeTimeFrom": since}).json()["data"]["products"] == []
    )
    guid = guid_with(shop, 2)
    name = shop.images(guid)[1]["name"]
    assert patch(api, guid, [{"name": name, "description": "Nový popisek"}]).status_code == 200
    found = api.get("/api/products", params={"changeTimeFrom": since}).json()["data"]["products"]
    assert [p["guid"] for p in found] == [guid]
    # The colon form and the shop's own zone work as well.
    colon = since.replace("+0000", "+00:00")
    assert (
        len(api.get("/api/products", params={"changeTimeFrom": colon}).json()["data"]["products"])
        == 1
    )


def test_product_detail_and_by_code(shop: SandboxShop, api: httpx.Client) -> None:
    product = next(p for p in shop.products() if len(p["codes"]) > 1)  # type: ignore[arg-type]
    detail = api.get(f"/api/products/{product['guid']}").json()["data"]
    assert detail["guid"] == product["guid"]
    assert [v["code"] for v in detail["variants"]] == product["codes"]
    assert "images" not in detail
    for code in product["codes"]:  # type: ignore[attr-defined]
        by_code = api.get(f"/api/products/code/{code}").json()["data"]
        assert by_code["guid"] == product["guid"]


def test_product_detail_with_images(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 1, "shop360")
    detail = api.get(f"/api/products/{guid}", params={"include": "images"}).json()["data"]
    assert detail["images"] == shop.images(guid, "shop") + shop.images(guid, "shop360")


def test_404s_name_what_was_missing(api: httpx.Client, shop: SandboxShop) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/api/products/{missing}", f"/api/products/{missing}/images/shop"):
        response = api.get(path)
        assert response.status_code == 404
        error = response.json()["errors"][0]
        assert error["errorCode"] == "product-not-found"
        assert missing in error["message"]
    response = api.get("/api/products/code/NOPE-1")
    assert response.status_code == 404
    assert "NOPE-1" in response.json()["errors"][0]["message"]
    guid = str(shop.products()[0]["guid"])
    assert api.get(f"/api/products/{guid}/images/eshop").status_code == 404
    assert patch(api, guid, [{"name": "x.jpg"}], gallery="big").status_code == 404


# --- eshop and pictures ---------------------------------------------------------------------


def test_image_cuts_and_pictures(shop: SandboxShop, api: httpx.Client) -> None:
    data = api.get("/api/eshop", params={"include": "imageCuts"}).json()["data"]
    cuts = {c["name"]: c for c in data["imageCuts"]}
    assert set(cuts) == {"orig", "big", "detail", "category", "related"}
    assert cuts["big"]["urlPath"] == f"{BASE}/user/shop/big/"
    assert cuts["orig"]["width"] is None
    image = shop.images(guid_with(shop, 1))[0]
    anonymous = httpx.Client(transport=shop.transport())  # no token needed for files
    for url in (
        cuts["detail"]["urlPath"] + image["name"],
        cuts["big"]["cdnPath"] + image["cdnName"],
    ):
        response = anonymous.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/png"
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert int.from_bytes(response.content[16:20], "big") == 96  # IHDR width
    again = anonymous.get(cuts["detail"]["urlPath"] + image["name"]).content
    assert again == anonymous.get(cuts["detail"]["urlPath"] + image["name"]).content
    assert anonymous.get(f"{BASE}/user/shop/huge/{image['name']}").status_code == 404
    assert "imageCuts" not in api.get("/api/eshop").json()["data"]
    assert shop.stats()["requests"]["GET /user/{gallery}/{cut}/{file}"] == 4
    assert shop.stats()["requests"]["GET /cdn/{gallery}/{cut}/{file}"] == 1


def test_pictures_decode_as_png() -> None:
    import zlib

    from shoptet_nb.sandbox.pictures import picture

    data = picture("100.jpg", 8, 4)
    assert data == picture("100.jpg", 8, 4) != picture("101.jpg", 8, 4)
    idat_length = int.from_bytes(data[33:37], "big")
    raw = zlib.decompress(data[41 : 41 + idat_length])
    assert len(raw) == 4 * (1 + 8 * 3)


# --- images: GET and PATCH ------------------------------------------------------------------


def test_gallery_list_in_admin_order(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 5)
    images = api.get(f"/api/products/{guid}/images/shop").json()["data"]["images"]
    assert images == shop.images(guid)
    keys = [(i["priority"] is None, i["priority"] or 0, i["name"]) for i in images]
    assert keys == sorted(keys)


def test_patch_applies_and_returns_whole_gallery(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 4)
    before = shop.images(guid)
    target = before[2]["name"]
    response = patch(
        api, guid, [{"name": target, "description": "Žlutá varianta", "priority": 999}]
    )
    body = response.json()
    assert response.status_code == 200
    assert body["errors"] is None
    assert len(body["data"]["images"]) == len(before)
    assert body["data"]["images"] == shop.images(guid)
    changed = next(i for i in shop.images(guid) if i["name"] == target)
    assert (changed["description"], changed["priority"]) == ("Žlutá varianta", 999)
    stats = shop.stats()
    assert stats["writes"] == {f"{guid}/shop/{target}": 1}
    assert stats["changes"] == {f"{guid}/shop/{target}": 1}


def test_patch_partial_success_lists_unknown_names(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 2)
    known = shop.images(guid)[0]["name"]
    response = patch(
        api, guid, [{"name": "ghost.jpg", "priority": 3}, {"name": known, "priority": 4}]
    )
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert [(e["errorCode"], e["instance"]) for e in errors] == [
        ("invalid-request-data", "data.images[0].name")
    ]
    assert "ghost.jpg" in errors[0]["message"]
    assert next(i for i in shop.images(guid) if i["name"] == known)["priority"] == 4


def test_unknown_names_rejected_when_switched(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(unknown_image_policy="reject")
    guid = guid_with(shop, 2)
    before = shop.images(guid)
    response = patch(api, guid, [{"name": "ghost.jpg"}, {"name": before[0]["name"], "priority": 9}])
    assert response.status_code == 400
    assert shop.images(guid) == before


def test_patch_can_return_only_the_named_items(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(patch_returns="items")
    guid = guid_with(shop, 3)
    name = shop.images(guid)[1]["name"]
    images = patch(api, guid, [{"name": name, "priority": 5}]).json()["data"]["images"]
    assert [i["name"] for i in images] == [name]


def _items(n: int) -> list[dict[str, Any]]:
    return [{"name": f"{k}.jpg"} for k in range(n)]


BAD_BODIES: list[tuple[str, Any]] = [
    ("no data", {}),
    ("data not object", {"data": []}),
    ("no images", {"data": {}}),
    ("images not list", {"data": {"images": {"name": "a.jpg"}}}),
    ("zero items", {"data": {"images": []}}),
    ("101 items", {"data": {"images": _items(101)}}),
    ("unknown top key", {"data": {"images": _items(1)}, "extra": 1}),
    ("unknown data key", {"data": {"images": _items(1), "gallery": "shop"}}),
    ("unknown item key", {"data": {"images": [{"name": "a.jpg", "isMainImage": True}]}}),
    ("missing name", {"data": {"images": [{"priority": 1}]}}),
    ("empty name", {"data": {"images": [{"name": ""}]}}),
    ("name not string", {"data": {"images": [{"name": 5}]}}),
    ("priority 0", {"data": {"images": [{"name": "a.jpg", "priority": 0}]}}),
    ("priority 65536", {"data": {"images": [{"name": "a.jpg", "priority": 65536}]}}),
    ("priority float", {"data": {"images": [{"name": "a.jpg", "priority": 1.5}]}}),
    ("priority string", {"data": {"images": [{"name": "a.jpg", "priority": "1"}]}}),
    ("priority bool", {"data": {"images": [{"name": "a.jpg", "priority": True}]}}),
    ("priority null", {"data": {"images": [{"name": "a.jpg", "priority": None}]}}),
    ("description null", {"data": {"images": [{"name": "a.jpg", "description": None}]}}),
    ("description number", {"data": {"images": [{"name": "a.jpg", "description": 7}]}}),
    ("duplicate names", {"data": {"images": [{"name": "a.jpg"}, {"name": "a.jpg"}]}}),
    ("item not object", {"data": {"images": ["a.jpg"]}}),
    ("body is a list", [{"name": "a.jpg"}]),
]


@pytest.mark.parametrize(("case", "body"), BAD_BODIES, ids=[c for c, _ in BAD_BODIES])
def test_422_breaks_schema_nothing_changes(
    shop: SandboxShop, api: httpx.Client, case: str, body: Any
) -> None:
    guid = guid_with(shop, 3)
    real = shop.images(guid)[0]["name"]
    # Make the otherwise-valid items name real images, so only the broken part can fail.
    text = (
        json.dumps(body).replace('"a.jpg"', json.dumps(real)).replace('"0.jpg"', json.dumps(real))
    )
    before = shop.images(guid)
    response = api.patch(f"/api/products/{guid}/images/shop", content=text)
    assert response.status_code == 422, case
    assert response.json()["data"] is None
    assert {e["errorCode"] for e in response.json()["errors"]} == {"invalid-request-data"}
    assert shop.images(guid) == before
    assert shop.stats()["writes"] == {}


def test_422_for_invalid_json(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 1)
    assert api.patch(f"/api/products/{guid}/images/shop", content=b"{nope").status_code == 422
    assert api.patch(f"/api/products/{guid}/images/shop", content=b"").status_code == 422


def test_schema_error_status_is_a_switch(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(schema_error_status=400)
    assert patch(api, guid_with(shop, 1), []).status_code == 400


def test_100_items_are_fine(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 100)
    names = [i["name"] for i in shop.images(guid)][:100]
    response = patch(api, guid, [{"name": n} for n in names])
    assert response.status_code == 200
    assert len(shop.stats()["writes"]) == 100
    assert shop.stats()["changes"] == {}


def test_renewal_only_on_change(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 3)
    image = next(i for i in shop.images(guid) if i["description"])
    name = image["name"]
    same = [{"name": name, "description": image["description"], "priority": image["priority"] or 1}]
    if image["priority"] is None:
        shop.set_image(guid, "shop", name, priority=1)
        image = next(i for i in shop.images(guid) if i["name"] == name)
    unchanged = patch(api, guid, same).json()["data"]["images"]
    assert next(i for i in unchanged if i["name"] == name) == image
    assert shop.stats()["writes"] == {f"{guid}/shop/{name}": 1}
    assert shop.stats()["changes"] == {}

    new = patch(api, guid, [{"name": name, "description": "Úplně jiný popis"}]).json()
    after = next(i for i in new["data"]["images"] if i["name"] == name)
    assert after["changeTime"] != image["changeTime"]
    assert (
        after["seoName"] == name.rsplit(".", 1)[0] + "_uplne-jiny-popis." + name.rsplit(".", 1)[1]
    )
    assert after["cdnName"] != image["cdnName"]
    assert after["signedCdnNames"] != image["signedCdnNames"]

    # A priority change keeps seoName but re-signs the CDN names, even within one second.
    again = patch(api, guid, [{"name": name, "priority": 4321}]).json()["data"]["images"]
    moved = next(i for i in again if i["name"] == name)
    assert moved["seoName"] == after["seoName"]
    assert moved["cdnName"] != after["cdnName"]

    # Untouched images keep everything (the main-image flag may move with the priority).
    def without_main(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rest = [{k: v for k, v in i.items() if k != "isMainImage"} for i in images]
        return sorted((i for i in rest if i["name"] != name), key=lambda i: i["name"])

    assert without_main(new["data"]["images"]) == without_main(again)


def test_renew_always_when_switched(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(renew_only_on_change=False)
    guid = guid_with(shop, 2)
    image = shop.images(guid)[0]
    patch(api, guid, [{"name": image["name"]}])
    assert shop.images(guid)[0]["cdnName"] != image["cdnName"]
    assert shop.stats()["changes"] == {}


def test_main_image_follows_lowest_priority(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 4)
    images = shop.images(guid)
    last = images[-1]["name"]
    patch(
        api,
        guid,
        [{"name": last, "priority": 1}] + [{"name": i["name"], "priority": 2} for i in images[:-1]],
    )
    mains = [i["name"] for i in shop.images(guid) if i["isMainImage"]]
    assert mains == [last]
    # A tie on the lowest priority goes to the name that sorts first.
    first_by_name = min(i["name"] for i in images)
    patch(api, guid, [{"name": i["name"], "priority": 7} for i in images])
    assert [i["name"] for i in shop.images(guid) if i["isMainImage"]] == [first_by_name]


def test_null_priorities_sort_last_for_the_main_image(shop: SandboxShop) -> None:
    from shoptet_nb.sandbox.catalogue import ImageRecord
    from shoptet_nb.sandbox.store import admin_order_key

    images = [
        ImageRecord("a.jpg", "shop", None, None, None),
        ImageRecord("b.jpg", "shop", 50, None, None),
        ImageRecord("c.jpg", "shop", 50, None, None),
        ImageRecord("d.jpg", "shop", 60, None, None),
    ]
    assert [i.name for i in sorted(images, key=admin_order_key)] == [
        "b.jpg",
        "c.jpg",
        "d.jpg",
        "a.jpg",
    ]


def test_main_image_can_stay_pinned(shop: SandboxShop, api: httpx.Client) -> None:
    shop.set_options(main_image_follows_priority=False)
    guid = guid_with(shop, 3)
    main = next(i["name"] for i in shop.images(guid) if i["isMainImage"])
    other = next(i["name"] for i in shop.images(guid) if not i["isMainImage"])
    shop.set_image(guid, "shop", main, priority=65535)
    shop.set_image(guid, "shop", other, priority=1)
    assert [i["name"] for i in shop.images(guid) if i["isMainImage"]] == [main]


def test_shop360_never_has_a_main_image(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 2, "shop360")
    name = shop.images(guid, "shop360")[-1]["name"]
    images = patch(api, guid, [{"name": name, "priority": 1}], gallery="shop360").json()["data"][
        "images"
    ]
    assert not any(i["isMainImage"] for i in images)
    assert {i["gallery"] for i in images} == {"shop360"}


def test_set_image_behind_the_clients_back(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 2)
    image = shop.images(guid)[1]
    product_before = next(p for p in shop.products() if p["guid"] == guid)["change_time"]
    assert shop.set_image(guid, "shop", image["name"], description="Nové foto od fotografa")
    after = next(i for i in shop.images(guid) if i["name"] == image["name"])
    assert after["description"] == "Nové foto od fotografa"
    assert after["seoName"] != image["seoName"]
    assert after["changeTime"] != image["changeTime"]
    assert next(p for p in shop.products() if p["guid"] == guid)["change_time"] > product_before
    assert not shop.set_image(guid, "shop", image["name"], description="Nové foto od fotografa")
    assert shop.stats()["writes"] == {}


def test_captions_per_language(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 2)
    name = shop.images(guid)[0]["name"]
    czech = shop.images(guid)[0]["description"]
    url = f"/api/products/{guid}/images/shop"
    body = {"data": {"images": [{"name": name, "description": "Pohľad spredu"}]}}
    assert api.patch(url, params={"language": "sk"}, json=body).status_code == 200
    slovak = api.get(url, params={"language": "sk"}).json()["data"]["images"]
    assert next(i for i in slovak if i["name"] == name)["description"] == "Pohľad spredu"
    assert shop.images(guid)[0]["description"] == czech
    english = api.get(url, params={"language": "en"}).json()["data"]["images"]
    assert next(i for i in english if i["name"] == name)["description"] == czech  # falls back
    assert api.get(url, params={"language": "xx"}).status_code == 400


def test_change_time_format(shop: SandboxShop, api: httpx.Client) -> None:
    guid = guid_with(shop, 1)
    name = shop.images(guid)[0]["name"]
    images = patch(api, guid, [{"name": name, "priority": 60000}]).json()["data"]["images"]
    stamp = next(i for i in images if i["name"] == name)["changeTime"]
    import re
    from datetime import datetime

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]00", stamp)
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z")
    assert abs(parsed.timestamp() - time.time()) < 5


# --- observers and stats --------------------------------------------------------------------


def test_observers_see_every_exchange(shop: SandboxShop, api: httpx.Client) -> None:
    seen: list[tuple[str, str, int, Any, Any]] = []

    def observer(*args: Any) -> None:
        seen.append(args)

    app.add_observer(observer)
    try:
        guid = guid_with(shop, 1)
        name = shop.images(guid)[0]["name"]
        patch(api, guid, [{"name": name, "priority": 2}])
        api.get("/api/products/nope")
    finally:
        app.remove_observer(observer)
    api.get("/api/eshop")
    assert [(m, t, s) for m, t, s, _, _ in seen] == [
        ("PATCH", IMAGES, 200),
        ("GET", "/api/products/{guid}", 404),
    ]
    assert seen[0][3] == {"data": {"images": [{"name": name, "priority": 2}]}}
    assert seen[0][4]["data"]["images"]


def test_stats_endpoint_and_reset(shop: SandboxShop, api: httpx.Client) -> None:
    api.get("/api/eshop")
    api.get("/api/eshop")
    stats = api.get("/_sandbox/stats").json()
    assert stats == shop.stats()
    assert stats["requests"] == {"GET /api/eshop": 2}
    assert stats["responses"] == {"200": 2}
    assert set(stats) >= {"requests", "responses", "faults", "max_concurrency", "writes", "changes"}
    assert api.post("/_sandbox/reset-stats").status_code == 200
    assert shop.stats()["requests"] == {}


def test_set_options_rejects_catalogue_switches(shop: SandboxShop) -> None:
    with pytest.raises(ValueError, match="seed"):
        shop.set_options(seed=3)
    with pytest.raises(TypeError):
        shop.set_options(no_such_switch=1)
    assert shop.set_options(latency_ms=1).latency_ms == 1


def test_options_validate() -> None:
    with pytest.raises(ValueError, match="fault"):
        SandboxOptions(fault_rate=2)
    with pytest.raises(ValueError, match="unknown fault"):
        SandboxOptions(fault_weights={"boom": 1})


def test_importing_the_sandbox_loads_no_pandas_or_widgets() -> None:
    # The parent package's own imports are its business; load the sandbox on its own. Serving
    # photos (an original's range, a cut) needs no Pillow either: the base install has none.
    package = Path(__file__).resolve().parents[2] / "shoptet_nb"
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('shoptet_nb'); pkg.__path__ = [{str(package)!r}]\n"
        "sys.modules['shoptet_nb'] = pkg\n"
        "import shoptet_nb.sandbox, shoptet_nb.sandbox.__main__, httpx\n"
        "shop = shoptet_nb.sandbox.SandboxShop(products=3, photo_copies=1)\n"
        "name = shop.images(shop.products()[1]['guid'])[-1]['name']\n"
        "files = httpx.Client(transport=shop.transport(), base_url='http://s.test')\n"
        "files.get('/user/shop/orig/' + name, headers={'Range': 'bytes=0-99'})\n"
        "files.get('/user/shop/related/' + name)\n"
        "bad = [m for m in ('pandas', 'ipywidgets', 'ipyvuetify', 'shoptet_nb.client', 'PIL') "
        "if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
