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


def read(client: Any, guids: list[str], **kwargs: Any) -> pd.DataFrame:
    return sn.read_images(client, guids, progress=False, **kwargs)
