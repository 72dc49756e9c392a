"""The gallery editor against a colleague's changes made while the user edits or saves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import shoptet_nb as sn
from shoptet_nb.widgets import GalleryEditor


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def _priorities(client: Any, guid: str) -> dict[str, int | None]:
    return {image["name"]: image["priority"] for image in client.sandbox.images(guid, "shop")}


def _tidy_gallery(step: int) -> tuple[Any, str, list[str]]:
    """A sandbox product of five photos with priorities step, 2*step, ... in name order."""
    client = sn.sandbox(seed=4, products=40)
    guid = next(
        p["guid"] for p in client.sandbox.products() if len(client.sandbox.images(p["guid"])) == 5
    )
    names = sorted(_priorities(client, guid))
    for n, name in enumerate(names, start=1):
        client.sandbox.set_image(guid, "shop", name, priority=n * step)
    return client, guid, names


def test_a_colleagues_move_during_a_save_is_a_conflict_not_undone_by_the_next_save() -> None:
    client, guid, (a, b, c, d, e) = _tidy_gallery(step=10)
    editor = GalleryEditor(client, product=guid, journal=False)
    editor.model.set_order(guid, "shop", [b, a, d, c, e])  # two swaps in gaps: two writes
    writes = dict(zip(editor.changes["name"], editor.changes["priority"], strict=True))
    assert len(writes) == 2
    theirs = list(writes)[-1]
    # A colleague moves one of the photos the save will write to the end, before Save.
    client.sandbox.set_image(guid, "shop", theirs, priority=100)

    result = editor.save()

    assert result is not None
    statuses = dict(zip(result.rows["name"], result.rows["status"], strict=True))
    assert statuses[theirs] == "conflict"  # apply did not overwrite it ...
    editor.refresh()
    # ... and the editor does not offer to put it back silently: the order is in conflict.
    assert theirs not in set(editor.changes["name"])
    assert set(editor.conflicts["field"]) == {"order"}
    editor.save()
    assert _priorities(client, guid)[theirs] == 100


def test_a_caption_save_keeps_an_order_conflict_in_conflict() -> None:
    client, guid, (_, b, c, _, e) = _tidy_gallery(step=10)
    editor = GalleryEditor(client, product=guid, journal=False)
    editor.make_main(e)  # the user's move, one write
    client.sandbox.set_image(guid, "shop", b, priority=100)  # a colleague's reorder
    editor.refresh()
    assert set(editor.conflicts["field"]) == {"order"}
    assert editor.changes.empty

    editor.set_caption(c, "A caption on another photo")
    editor.save()  # saves the caption only
    editor.refresh()

    assert set(editor.conflicts["field"]) == {"order"}  # still to be resolved ...
    assert editor.changes.empty  # ... so the next Save does not move the colleague's photo
    editor.save()
    assert _priorities(client, guid)[b] == 100
