"""Reads an add spends on a gallery: each read of a gallery costs the bucket a drop per 10
photos, so the order check after the priority PATCH uses the PATCH's answer (the gallery after
the change) and reads the gallery again only when that answer does not show all of it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox.pictures import picture

pytestmark = pytest.mark.usefixtures("journal_dir")

GALLERY_READ = "GET /api/products/{guid}/images/{gallery}"
PATCH = "PATCH /api/products/{guid}/images/{gallery}"


def crowded_gallery() -> tuple[sn.ShoptetClient, str, list[str]]:
    """A gallery numbered 1, 2, 3 …: a photo asked for at place 1 needs the others moved up."""
    client = sn.sandbox(seed=5, products=10)
    shop = client.sandbox
    guid = next(p["guid"] for p in shop.products() if len(shop.images(p["guid"])) >= 3)
    names = [i["name"] for i in shop.images(guid)]
    for k, name in enumerate(names, start=1):
        shop.set_image(guid, "shop", name, priority=k)
    return client, guid, names


def add_first(client: sn.ShoptetClient, guid: str) -> Any:
    frame = pd.DataFrame(
        {"guid": [guid], "source_url": [client.sandbox.stage(picture("first", 24, 16))]}
    )
    frame["position"] = pd.array([1], dtype="Int64")
    client.sandbox.reset_stats()
    return sn.add_images(client, frame, journal=False)


def test_the_order_check_reads_the_patch_answer_not_the_gallery_again() -> None:
    client, guid, names = crowded_gallery()
    result = add_first(client, guid)
    row = result.rows.iloc[0]
    assert row["status"] == "added"
    assert row["in_order"]
    assert [i["name"] for i in client.sandbox.images(guid)] == [row["name"], *names]
    requests = client.sandbox.stats()["requests"]
    assert requests[PATCH] == 1
    # The plan's read and the read after the job; before: a third read after the PATCH.
    assert requests[GALLERY_READ] == 2


def test_an_answer_that_does_not_show_the_whole_gallery_is_checked_by_a_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, guid, names = crowded_gallery()
    update = client.update_images

    def only_changed(*args: Any, **kwargs: Any) -> Any:
        envelopes = update(*args, **kwargs)
        for envelope in envelopes:  # as if Shoptet answered with the changed photos only
            envelope.data["images"] = envelope.data["images"][:1]
        return envelopes

    monkeypatch.setattr(client, "update_images", only_changed)
    result = add_first(client, guid)
    row = result.rows.iloc[0]
    assert row["status"] == "added"
    assert row["in_order"]
    assert [i["name"] for i in client.sandbox.images(guid)] == [row["name"], *names]
    assert client.sandbox.stats()["requests"][GALLERY_READ] == 3
