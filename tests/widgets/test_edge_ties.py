"""Shoptet documents no order for equal priorities: the editor never relies on one.

The sandbox can break ties by name or by upload order (``tie_order``); whatever the shop does,
the order the editor shows after a save is the order the shop shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import shoptet_nb as sn
from shoptet_nb.widgets import GalleryEditor


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path / "journal"))


def shop_order(client: Any, guid: str) -> list[str]:
    return [image["name"] for image in client.sandbox.images(guid, "shop")]


def tied_gallery(client: Any) -> str:
    """A product whose shop gallery has equal priorities and no photo without one."""
    for product in client.sandbox.products():
        priorities = [i["priority"] for i in client.sandbox.images(product["guid"], "shop")]
        if None not in priorities and len(set(priorities)) < len(priorities) >= 4:
            return str(product["guid"])
    raise AssertionError("the seeded shop has no gallery with ties")


@pytest.mark.parametrize("tie_order", ["name", "upload"])
@pytest.mark.parametrize("move", ["down_first", "up_last", "to_front_third"])
def test_the_order_shown_after_a_save_is_the_shops_whatever_its_ties(
    tie_order: str, move: str
) -> None:
    client = sn.sandbox(seed=4, products=40, tie_order=tie_order)
    guid = tied_gallery(client)
    editor = GalleryEditor(client, product=guid, journal=False)
    order = editor.model.order(guid, "shop")
    if move == "down_first":
        editor.move_down(order[0])
    elif move == "up_last":
        editor.move_up(order[-1])
    else:
        editor.move(order[2], 0)
    wanted = editor.model.order(guid, "shop")
    result = editor.save()
    assert result is not None
    assert not len(result.failed)
    assert shop_order(client, guid) == wanted
    assert editor.model.order(guid, "shop") == wanted
    numbers = [i["priority"] for i in client.sandbox.images(guid, "shop")]
    assert len(set(numbers)) == len(numbers), numbers  # no order left to a tie


def test_a_move_in_a_packed_gallery_never_creates_a_tie() -> None:
    client = sn.sandbox(seed=4, products=40)
    guid = next(
        p["guid"] for p in client.sandbox.products() if len(client.sandbox.images(p["guid"])) == 5
    )
    for n, name in enumerate(sorted(shop_order(client, guid)), start=1):
        client.sandbox.set_image(guid, "shop", name, priority=n)
    images = sn.read_images(client, [guid], progress=False)
    moved = sn.move_to_front(images, guid, sorted(images["name"])[2])
    numbers = moved["priority"].tolist()
    assert len(set(numbers)) == len(numbers), numbers


@pytest.mark.parametrize("seed", range(6))
def test_the_cards_marked_edited_are_exactly_the_photos_save_writes(seed: int) -> None:
    import random

    client = sn.sandbox(seed=0, products=12, limits=False)
    guid = next(
        p["guid"] for p in client.sandbox.products() if len(client.sandbox.images(p["guid"])) >= 6
    )
    editor = GalleryEditor(client, product=guid, journal=False)
    pick = random.Random(seed)
    for _ in range(pick.randint(1, 4)):
        order = editor.model.order(guid, "shop")
        editor.move(pick.choice(order), pick.randint(1, len(order)))
    marked = {card["name"] for card in editor.cards if card["changed"]}
    assert all(card["fields"] in ([], ["position"]) for card in editor.cards)
    assert marked == set(editor.changes["name"])
    client.sandbox.reset_stats()
    editor.save()
    assert sum(client.sandbox.stats()["writes"].values()) == len(marked)
