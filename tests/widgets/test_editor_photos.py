"""The gallery editor's "Add photos" and "Delete": driven through the ``vue_<name>`` events the
browser sends, judged by the sandbox (the photos it holds, its counters)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox.pictures import picture
from shoptet_nb.widgets import GalleryEditor

from helpers import shop_names, variant_product

MARKUP = "<img src=x onerror=alert(1)>"


pytestmark = pytest.mark.usefixtures("journal_dir")


@pytest.fixture
def client() -> Any:
    return sn.sandbox(seed=7, products=12, insert_job_s=0.2)


def card(editor: GalleryEditor, name: str) -> dict[str, Any]:
    return next(c for c in editor.cards if c["name"] == name)


def test_add_and_delete_are_pending_previewed_saved_and_reread(client: Any) -> None:
    guid, code, names = variant_product(client)
    editor = GalleryEditor(client, product=guid)
    url = client.sandbox.stage(picture("supplier", 40, 30))
    editor.vue_add_photos({"urls": f"{url}\n\n", "captions": {}})
    editor.vue_toggle_delete({"name": names[0], "captions": {}})
    editor.vue_toggle_delete({"name": names[1], "captions": {}})  # a variant shows it
    assert editor.pending == 3
    assert [c["label"] for c in editor.new_cards] == [url]
    # A photo marked for delete stays on screen, marked.
    assert [c["name"] for c in editor.cards] == names
    assert card(editor, names[0])["deleting"]
    assert shop_names(client, guid) == names  # nothing sent yet

    editor.vue_preview({"captions": {}})
    rows = {r["name"]: r for r in editor.preview_rows}
    assert rows[f"add: {url}"]["status"] == "would_add"
    assert rows[f"delete: {names[0]}"]["status"] == "would_delete"
    # The photo a variant shows stays (blocked), so it becomes the main image.
    assert f"{names[1]} becomes the main image" in rows[f"delete: {names[0]}"]["reason"]
    assert rows[f"delete: {names[1]}"]["status"] == "blocked"
    assert code in rows[f"delete: {names[1]}"]["reason"]
    assert "Photos: " in editor.preview_summary

    editor.vue_save({"captions": {}})
    now = shop_names(client, guid)
    assert names[0] not in now
    assert len(now) == len(names)  # one deleted, one added
    new = now[-1]
    assert [c["name"] for c in editor.cards] == now  # read again: the shop's names
    assert editor.new_cards == []
    assert card(editor, new)["outcome"]["label"] == "Added"
    # The blocked delete stays pending and marked, with why on its card.
    blocked = card(editor, names[1])
    assert blocked["deleting"]
    assert blocked["outcome"]["status"] == "blocked"
    assert code in blocked["outcome"]["label"]
    assert editor.notice_type == "warning"
    assert "1 added, 1 deleted" in editor.notice
    assert "1 blocked" in editor.notice
    assert "failed" not in editor.notice


def test_undo_brings_a_deleted_card_back_and_takes_an_add_away(client: Any) -> None:
    guid, _, names = variant_product(client)
    editor = GalleryEditor(client, product=guid)
    editor.toggle_delete(names[2])
    editor.add_photos([client.sandbox.stage(picture("x", 20, 20))])
    assert len(editor.new_cards) == 1
    editor.vue_undo({"captions": {}})
    assert editor.new_cards == []
    assert card(editor, names[2])["deleting"]
    editor.vue_undo({"captions": {}})
    assert not card(editor, names[2])["deleting"]
    assert editor.pending == 0
    # The card's own undo (discard) takes the mark back too.
    editor.toggle_delete(names[0])
    assert card(editor, names[0])["fields"] == ["delete"]
    editor.vue_discard({"name": names[0], "captions": {}})
    assert not card(editor, names[0])["deleting"]
    editor.add_photos([client.sandbox.stage(picture("y", 20, 20))])
    editor.vue_remove_add({"id": editor.new_cards[0]["id"], "captions": {}})
    assert editor.new_cards == []
    assert editor.model.can_undo


def test_local_files_without_a_stager_say_why_and_send_nothing(client: Any, tmp_path: Path) -> None:
    guid, _, _ = variant_product(client)
    editor = GalleryEditor(client, product=guid)
    assert not editor.can_stage
    requests = dict(client.sandbox.stats()["requests"])
    editor.vue_add_photos({"urls": str(tmp_path / "front.jpg"), "captions": {}})
    assert editor.pending == 0
    assert "stage=" in editor.notice
    data = base64.b64encode(picture("f", 20, 20)).decode()
    editor.vue_add_files({"files": [{"name": "front.png", "data": data}], "captions": {}})
    assert editor.notice_type == "error"
    assert "stager" in editor.notice
    assert editor.pending == 0
    editor.vue_save({"captions": {}})
    assert dict(client.sandbox.stats()["requests"]) == requests


def test_files_with_a_stager_are_added_and_user_text_is_escaped(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    guid, _, names = variant_product(client)
    editor = GalleryEditor(client, product=guid, stage=client.sandbox.stage)
    assert editor.can_stage
    data = base64.b64encode(picture("picked", 30, 20)).decode()
    editor.vue_add_files({"files": [{"name": f"{MARKUP}.png", "data": data}], "captions": {}})
    assert [c["label"] for c in editor.new_cards] == [f"{MARKUP}.png"]
    editor.toggle_delete(names[0])
    page = editor._repr_html_()
    assert MARKUP not in page
    assert "&lt;img src=x" in page
    assert "to be deleted" in page
    assert "to be added" in page
    capsys.readouterr()
    editor.vue_save({"captions": {}})
    printed = capsys.readouterr()
    # The widget shows its own progress: add_images/delete_images print no bar under it.
    assert "photos" not in printed.err + printed.out
    assert len(shop_names(client, guid)) == len(names)
    assert editor.pending == 0
    assert "1 added, 1 deleted" in editor.notice
    assert editor.notice_type == "success"


def test_a_blocked_card_names_its_variants_and_deletes_only_once_approved(client: Any) -> None:
    guid, code, names = variant_product(client, shown=1)
    editor = GalleryEditor(client, product=guid)
    editor.vue_toggle_delete({"name": names[1], "captions": {}})
    assert card(editor, names[1])["blocked"] is None  # not looked at yet
    editor.vue_preview({"captions": {}})
    assert code in card(editor, names[1])["blocked"]
    assert card(editor, names[1])["unreference"] is False
    editor.vue_clear_references({"name": names[1], "captions": {}})
    assert card(editor, names[1])["unreference"] is True
    editor.vue_undo({"captions": {}})  # Ctrl+Z takes the approval back, the mark stays
    assert card(editor, names[1])["unreference"] is False
    assert card(editor, names[1])["deleting"] is True
    editor.vue_clear_references({"name": names[1], "captions": {}})
    editor.vue_save({"captions": {}})
    assert names[1] not in shop_names(client, guid)
    assert client.sandbox.variant_images(guid).get(code) in (None, "")
    assert editor.pending == 0


def test_a_placeholder_takes_a_caption_and_a_place_and_the_main_mark_moves(client: Any) -> None:
    guid, _, names = variant_product(client)
    editor = GalleryEditor(client, product=guid)
    url = client.sandbox.stage(picture("placed", 40, 30))
    editor.vue_add_photos({"urls": url, "captions": {}})
    new = editor.new_cards[0]
    editor.vue_edit_add({"id": new["id"], "caption": MARKUP, "captions": {}})
    assert editor.new_cards[0]["place"] == len(names) + 1
    editor.vue_toggle_delete({"name": names[0], "captions": {}})
    # The photo marked for delete is no longer main (nor in editor.images): the next one is.
    assert [c["name"] for c in editor.cards if c["main"]] == [names[1]]
    assert names[0] not in list(editor.images["name"])
    assert editor.new_cards[0]["place"] == len(names)
    editor.vue_edit_add({"id": new["id"], "position": 1, "captions": {}})
    assert editor.new_cards[0]["caption"] == MARKUP
    assert (editor.new_cards[0]["place"], editor.new_cards[0]["main"]) == (1, True)
    assert not any(c["main"] for c in editor.cards)
    seen: list[float] = []
    editor.observe(lambda change: seen.append(change["new"]), "progress")
    editor.vue_save({"captions": {}})
    assert any(0 < p <= 100 for p in seen), seen  # a real bar, not only indeterminate
    shop = client.sandbox.images(guid)
    assert shop[0]["description"] == MARKUP
    assert MARKUP not in editor._repr_html_()
    assert editor.pending == 0
