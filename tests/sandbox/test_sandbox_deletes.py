"""DELETE one photo, variant references on products and their PATCH, the write lock on DELETE.

Every response is also checked against the OpenAPI file by the autouse fixture in conftest.py.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from shoptet_nb.sandbox import SandboxShop

BASE = "http://sandbox.shoptet-nb.test"
TOKEN = {"Shoptet-Private-API-Token": "test-token-1", "Content-Type": "application/json"}
ONE = "/api/products/{guid}/images/{gallery}/{name}"


@pytest.fixture
def shop() -> SandboxShop:
    return SandboxShop(products=40, seed=5)


@pytest.fixture
def api(shop: SandboxShop) -> httpx.Client:
    return httpx.Client(transport=shop.transport(), base_url=BASE, headers=TOKEN)


def variant_product(shop: SandboxShop, minimum: int = 3) -> str:
    """A product with several variants and at least ``minimum`` photos."""
    return next(
        str(p["guid"])
        for p in shop.products()
        if len(p["codes"]) > 1 and len(shop.images(str(p["guid"]))) >= minimum
    )


def delete(api: httpx.Client, guid: str, name: str, **params: Any) -> httpx.Response:
    return api.delete(ONE.format(guid=guid, gallery="shop", name=name), params=params)


def test_delete_removes_the_photo_and_keeps_the_others(
    shop: SandboxShop, api: httpx.Client
) -> None:
    guid = variant_product(shop, minimum=4)
    before = shop.images(guid)
    victim = before[2]["name"]
    response = delete(api, guid, victim)
    assert response.status_code == 200, response.text
    assert response.json()["data"] is None
    assert response.json()["errors"] is None
    after = shop.images(guid)
    assert [i["name"] for i in after] == [i["name"] for i in before if i["name"] != victim]
    # The others keep their priorities: no renumbering, gaps stay.
    kept = {i["name"]: i["priority"] for i in before if i["name"] != victim}
    assert {i["name"]: i["priority"] for i in after} == kept
    # Deleted twice: the photo is gone, 404.
    again = delete(api, guid, victim)
    assert again.status_code == 404
    assert again.json()["errors"][0]["errorCode"] == "invalid-request-data"


def test_a_deleted_photos_files_answer_404_like_shoptets_cdn(
    shop: SandboxShop, api: httpx.Client
) -> None:
    guid = variant_product(shop, minimum=3)
    victim, kept = (image["name"] for image in shop.images(guid)[:2])
    files = httpx.Client(transport=shop.transport(), base_url=BASE)  # files need no token
    for name in (victim, kept):
        assert files.get(f"/user/shop/orig/{name}").status_code == 200
    assert delete(api, guid, victim).status_code == 200
    for cut in ("orig", "big", "detail"):
        assert files.get(f"/user/shop/{cut}/{victim}").status_code == 404
        assert files.head(f"/user/shop/{cut}/{victim}").status_code == 404
    assert files.get(f"/user/shop/orig/{kept}").status_code == 200


def test_an_added_photos_file_answers_404_once_it_is_deleted(
    shop: SandboxShop, api: httpx.Client
) -> None:
    import time

    from shoptet_nb.sandbox.pictures import picture

    guid = str(shop.products()[0]["guid"])
    body = {"data": {"images": [{"sourceUrl": shop.stage(picture("gone", 16, 16))}]}}
    before = {i["name"] for i in shop.images(guid)}
    assert api.post(f"/api/products/{guid}/images/shop", json=body).status_code == 202
    for _ in range(100):
        new = [i["name"] for i in shop.images(guid) if i["name"] not in before]
        if new:
            break
        time.sleep(0.05)
    files = httpx.Client(transport=shop.transport(), base_url=BASE)
    assert files.get(f"/user/shop/orig/{new[0]}").status_code == 200
    assert delete(api, guid, new[0]).status_code == 200
    assert files.get(f"/user/shop/orig/{new[0]}").status_code == 404


def test_deleting_the_main_image_makes_the_next_one_main(
    shop: SandboxShop, api: httpx.Client
) -> None:
    guid = variant_product(shop, minimum=3)
    before = shop.images(guid)
    assert before[0]["isMainImage"]
    assert delete(api, guid, before[0]["name"]).status_code == 200
    after = shop.images(guid)
    assert after[0]["name"] == before[1]["name"]
    assert [i["name"] for i in after if i["isMainImage"]] == [before[1]["name"]]


def test_pinned_main_image_passes_to_the_next_in_admin_order() -> None:
    shop = SandboxShop(products=40, seed=5, main_image_follows_priority=False)
    api = httpx.Client(transport=shop.transport(), base_url=BASE, headers=TOKEN)
    guid = variant_product(shop, minimum=3)
    main = next(i["name"] for i in shop.images(guid) if i["isMainImage"])
    assert delete(api, guid, main).status_code == 200
    mains = [i for i in shop.images(guid) if i["isMainImage"]]
    assert len(mains) == 1


def test_referenced_photo_is_refused_without_remove_reference(
    shop: SandboxShop, api: httpx.Client
) -> None:
    guid = variant_product(shop)
    codes = next(p["codes"] for p in shop.products() if p["guid"] == guid)
    name = shop.images(guid)[1]["name"]
    assert shop.set_variant_image(guid, codes[0], name)
    detail = api.get(f"/api/products/{guid}").json()["data"]
    shown = {v["code"]: (v["image"], v["isProductDefaultImage"]) for v in detail["variants"]}
    assert shown[codes[0]] == (name, False)

    refused = delete(api, guid, name)
    assert refused.status_code == 409
    assert codes[0] in refused.json()["errors"][0]["message"]
    assert name in [i["name"] for i in shop.images(guid)]  # nothing deleted
    assert delete(api, guid, name, removeReference="false").status_code == 409

    assert delete(api, guid, name, removeReference="true").status_code == 200
    assert name not in [i["name"] for i in shop.images(guid)]
    assert codes[0] not in shop.variant_images(guid)
    detail = api.get(f"/api/products/{guid}").json()["data"]
    variant = next(v for v in detail["variants"] if v["code"] == codes[0])
    assert (variant["image"], variant["isProductDefaultImage"]) == (None, True)


def test_bad_remove_reference_and_unknown_product_or_gallery(
    shop: SandboxShop, api: httpx.Client
) -> None:
    guid = variant_product(shop)
    name = shop.images(guid)[0]["name"]
    bad = delete(api, guid, name, removeReference="yes")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["instance"] == "removeReference"
    assert api.delete(ONE.format(guid="nope", gallery="shop", name=name)).status_code == 404
    assert api.delete(ONE.format(guid=guid, gallery="shop9", name=name)).status_code == 404
    assert name in [i["name"] for i in shop.images(guid)]


def test_seeded_references_show_in_the_detail_and_the_snapshot_schema(shop: SandboxShop) -> None:
    referenced = {
        str(p["guid"]): shop.variant_images(str(p["guid"]))
        for p in shop.products()
        if len(p["codes"]) > 1
    }
    with_refs = {guid: refs for guid, refs in referenced.items() if refs}
    assert with_refs, "the default share seeds some references"
    api = httpx.Client(transport=shop.transport(), base_url=BASE, headers=TOKEN)
    guid, refs = next(iter(with_refs.items()))
    detail = api.get(f"/api/products/{guid}", params={"include": "images"}).json()["data"]
    names = {i["name"] for i in detail["images"] if i["gallery"] == "shop"}
    for variant in detail["variants"]:
        assert variant["image"] == refs.get(variant["code"])
        assert variant["image"] is None or variant["image"] in names
    # Same seed, same references; share 0: none at all.
    again = SandboxShop(products=40, seed=5)
    assert {g: again.variant_images(g) for g in referenced} == referenced
    none = SandboxShop(products=40, seed=5, variant_image_share=0.0)
    assert not any(none.variant_images(g) for g in referenced)


def test_patch_product_sets_and_clears_a_variant_image(
    shop: SandboxShop, api: httpx.Client
) -> None:
    guid = variant_product(shop)
    codes = next(p["codes"] for p in shop.products() if p["guid"] == guid)
    name = shop.images(guid)[-1]["name"]
    url = f"/api/products/{guid}"
    body = {"data": {"variants": [{"code": codes[1].lower(), "image": name}]}}
    response = api.patch(url, json=body)
    assert response.status_code == 200, response.text
    variant = next(v for v in response.json()["data"]["variants"] if v["code"] == codes[1])
    assert variant["image"] == name
    assert shop.variant_images(guid)[codes[1]] == name
    cleared = api.patch(url, json={"data": {"variants": [{"code": codes[1], "image": None}]}})
    assert cleared.status_code == 200
    assert codes[1] not in shop.variant_images(guid)


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"variants": [{"code": "NO-SUCH-CODE", "image": None}]}},
        {"data": {"variants": [{"code": "{code}", "image": "missing.jpg"}]}},
        {"data": {"variants": [{"code": "{code}", "image": None, "price": "1"}]}},
        {"data": {"name": "x"}},
        {"data": {"variants": []}},
    ],
)
def test_patch_product_refuses_what_the_sandbox_does_not_do(
    shop: SandboxShop, api: httpx.Client, body: dict[str, Any]
) -> None:
    guid = variant_product(shop)
    code = next(p["codes"] for p in shop.products() if p["guid"] == guid)[0]
    before = shop.variant_images(guid)
    text = str(body).replace("'", '"').replace("None", "null").replace("{code}", code)
    response = api.patch(f"/api/products/{guid}", content=text.encode())
    assert response.status_code == 422
    assert response.json()["errors"][0]["errorCode"] == "invalid-request-data"
    assert shop.variant_images(guid) == before


def test_same_delete_in_flight_gets_423() -> None:
    shop = SandboxShop(products=40, seed=5, latency_ms=400)
    guid = variant_product(shop)
    name = shop.images(guid)[-1]["name"]
    clients = [httpx.Client(transport=shop.transport(), base_url=BASE, headers=TOKEN)] * 2
    statuses: list[int] = [0, 0]
    barrier = threading.Barrier(2)

    def run(k: int) -> None:
        barrier.wait()
        time.sleep(0.1 * k)
        statuses[k] = delete(clients[k], guid, name).status_code

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert statuses == [200, 423]
    assert name not in [i["name"] for i in shop.images(guid)]
    requests = shop.stats()["requests"]
    assert requests["DELETE /api/products/{guid}/images/{gallery}/{imageName}"] == 2
