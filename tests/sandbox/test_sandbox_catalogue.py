"""The seeded catalogue: deterministic, varied (as messy as real shops), and fast at scale."""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter

import pytest

from shoptet_nb.sandbox import SandboxShop

GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")


def everything(shop: SandboxShop) -> list[tuple[dict[str, object], list[dict[str, object]]]]:
    return [
        (p, shop.images(str(p["guid"]), "shop") + shop.images(str(p["guid"]), "shop360"))
        for p in shop.products()
    ]


def test_same_seed_same_catalogue() -> None:
    assert everything(SandboxShop(seed=7, products=60)) == everything(
        SandboxShop(seed=7, products=60)
    )


def test_different_seed_different_catalogue() -> None:
    one, other = SandboxShop(seed=1, products=30), SandboxShop(seed=2, products=30)
    assert [p["guid"] for p in one.products()] != [p["guid"] for p in other.products()]
    assert everything(one) != everything(other)


def test_a_product_does_not_depend_on_the_catalogue_size() -> None:
    small, large = SandboxShop(seed=3, products=10), SandboxShop(seed=3, products=50)
    assert everything(small) == everything(large)[:10]


def test_products_have_guids_czech_names_and_unique_codes() -> None:
    products = SandboxShop(products=200).products()
    assert len(products) == 200
    assert all(GUID.match(str(p["guid"])) for p in products)
    assert len({p["guid"] for p in products}) == 200
    assert any(set(str(p["name"])) & set("ěščřžýáíéůúňťďĚŠČŘŽ") for p in products)
    codes = [code for p in products for code in p["codes"]]  # type: ignore[attr-defined]
    assert len(codes) == len(set(codes))
    assert {len(p["codes"]) for p in products} == {1, 2, 3}  # type: ignore[arg-type]


def test_galleries_are_as_messy_as_real_ones() -> None:
    shop = SandboxShop(products=200)
    sizes, has_360, captions = [], 0, Counter[str]()
    null_priority = gaps = offset = ties = duplicated = 0
    for product in shop.products():
        images = shop.images(str(product["guid"]))
        sizes.append(len(images))
        has_360 += bool(shop.images(str(product["guid"]), "shop360"))
        prios = [i["priority"] for i in images]
        known = sorted(p for p in prios if p is not None)
        null_priority += None in prios
        offset += bool(known) and known[0] > 1
        gaps += any(b - a > 1 for a, b in itertools.pairwise(known))
        ties += len(known) != len(set(known))
        texts = [i["description"] for i in images if i["description"]]
        duplicated += len(texts) != len(set(texts))
        names = [i["name"] for i in images]
        assert len(names) == len(set(names)), "image names must be unique within a product"
        for image in images:
            text = image["description"]
            if text is None:
                captions["null"] += 1
            elif text == "":
                captions["empty"] += 1
            elif text == image["name"]:
                captions["file name"] += 1
            elif text != text.strip():
                captions["whitespace"] += 1
            elif "<" in text:
                captions["markup"] += 1
            elif len(text) > 125:
                captions["long"] += 1
            if text and set(text) & set("ěščřžýáíéůú"):
                captions["diacritics"] += 1
    assert max(sizes) <= 150
    assert sum(s > 100 for s in sizes) >= 1
    assert 0 in sizes
    assert sum(3 <= s <= 12 for s in sizes) > len(sizes) / 2
    assert has_360 >= 1
    assert null_priority > 0
    assert gaps > 0
    assert offset > 0
    assert ties > 0
    assert duplicated > 0
    for kind in ("null", "empty", "file name", "whitespace", "long", "diacritics"):
        assert captions[kind] > 0, kind
    assert 1 <= captions["markup"] <= 2


def test_every_shop_gallery_has_exactly_one_main_image() -> None:
    shop = SandboxShop(products=80)
    for product in shop.products():
        images = shop.images(str(product["guid"]))
        assert sum(i["isMainImage"] for i in images) == (1 if images else 0)
        assert not any(i["isMainImage"] for i in shop.images(str(product["guid"]), "shop360"))


def test_images_carry_seo_and_signed_names() -> None:
    shop = SandboxShop(products=20)
    image = next(
        i for p in shop.products() for i in shop.images(str(p["guid"])) if i["description"]
    )
    stem = image["name"].rsplit(".", 1)[0]
    assert image["seoName"].startswith(stem + "_")
    assert image["cdnName"].startswith(image["seoName"] + "?ff=1&x=1024&y=768&q=85&ts=")
    assert {s["type"] for s in image["signedCdnNames"]} == {
        "orig",
        "big",
        "detail",
        "category",
        "related",
    }


@pytest.mark.slow
def test_ten_thousand_products_are_quick() -> None:
    started = time.perf_counter()
    shop = SandboxShop(products=10_000, seed=5)
    store = shop.app.store
    total = sum(store.count_images(p) for p in store.all_products())
    elapsed = time.perf_counter() - started
    assert total > 90_000
    assert elapsed < 10, f"{total} images took {elapsed:.1f} s"
