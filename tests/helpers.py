"""Small helpers shared by the frame tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

import shoptet_nb as sn


def stats(client: Any) -> dict[str, Any]:
    return client.sandbox.stats()  # type: ignore[no-any-return]


def calls(client: Any, method: str, template: str) -> int:
    return int(stats(client)["requests"].get(f"{method} {template}", 0))


IMAGES = "/api/products/{guid}/images/{gallery}"


def server_image(client: Any, guid: str, name: str, gallery: str = "shop") -> dict[str, Any]:
    for image in client.sandbox.images(guid, gallery):
        if image["name"] == name:
            return image  # type: ignore[no-any-return]
    raise KeyError(name)


def products_with_images(client: Any, n: int, *, min_images: int = 2) -> list[str]:
    """Guids of the first n products whose shop gallery has at least min_images images."""
    found = []
    for product in client.sandbox.products():
        if len(client.sandbox.images(product["guid"], "shop")) >= min_images:
            found.append(product["guid"])
        if len(found) == n:
            break
    return found


def shop_names(client: Any, guid: str) -> list[str]:
    """The names of a product's shop photos, in the sandbox's order."""
    return [image["name"] for image in client.sandbox.images(guid)]


def variant_product(client: Any, shown: int = 1) -> tuple[str, str, list[str]]:
    """A product with variants and four photos or more: its guid, the code of its first variant
    (which shows photo ``shown``, 0-based; no other variant shows one) and its photo names."""
    shop = client.sandbox
    product = next(
        p for p in shop.products() if len(p["codes"]) > 1 and len(shop.images(p["guid"])) >= 4
    )
    guid = product["guid"]
    for code in product["codes"]:
        shop.set_variant_image(guid, code, None)
    names = shop_names(client, guid)
    shop.set_variant_image(guid, product["codes"][0], names[shown])
    return guid, product["codes"][0], names


def read(client: Any, guids: list[str], **kwargs: Any) -> pd.DataFrame:
    return sn.read_images(client, guids, progress=False, **kwargs)
