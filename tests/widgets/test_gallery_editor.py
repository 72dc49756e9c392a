"""GalleryEditor without a browser: every handler and state transition, against the sandbox.

Front-end events are driven through the ``vue_<name>`` methods (what ipyvue calls when the
browser sends an event) and through their Python twins; the sandbox is the oracle of what a
save really changed.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb._order import shop_order
from shoptet_nb.editing.catalogue import fold
from shoptet_nb.edits import fewest_priority_changes
from shoptet_nb.errors import ArgumentError, FrameError
from shoptet_nb.widgets import GalleryEditor
from shoptet_nb.widgets.base import parse_photo_id, photo_id
from shoptet_nb.widgets.thumbnails import data_uri, is_loopback_url

VUE_FILE = Path(sn.__file__).parent / "widgets" / "gallery_editor.vue"


def vue_text() -> str:
    """The editor's template and the shared parts it uses (shoptet_nb.widgets.vue_parts)."""
    from shoptet_nb.widgets.vue_parts import part_sources

    return "\n".join([VUE_FILE.read_text(), *part_sources().values()])


MARKUP = "<img src=x onerror=alert(1)>"


# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def client() -> Any:
    return sn.sandbox(seed=0, products=12, limits=False)


def guids_with(client: Any, low: int, high: int, n: int = 1) -> list[str]:
    found = [
        p["guid"]
        for p in client.sandbox.products()
        if low <= len(client.sandbox.images(p["guid"])) <= high
    ]
    assert len(found) >= n, "the sandbox catalogue changed: pick other products"
    return found[:n]


@pytest.fixture
def guid(client: Any) -> str:
    return guids_with(client, 5, 12)[0]


@pytest.fixture
def editor(client: Any, guid: str) -> GalleryEditor:
    return GalleryEditor(client, product=guid, journal=False)


def editor_applying(client: Any, guid: str, apply: Any) -> GalleryEditor:
    """An editor whose session writes with ``apply`` (a fake) instead of shoptet_nb.apply."""
    session = sn.EditSession(client, journal=False, apply=apply)
    return GalleryEditor(client, product=guid, session=session)


def server(client: Any, guid: str) -> list[dict[str, Any]]:
    return client.sandbox.images(guid)  # type: ignore[no-any-return]


def names(editor: GalleryEditor) -> list[str]:
    return [c["name"] for c in editor.cards]


def card(editor: GalleryEditor, name: str) -> dict[str, Any]:
    return next(c for c in editor.cards if c["name"] == name)


def patch_calls(client: Any) -> int:
    key = "PATCH /api/products/{guid}/images/{gallery}"
    return int(client.sandbox.stats()["requests"].get(key, 0))


def get_calls(client: Any) -> int:
    key = "GET /api/products/{guid}/images/{gallery}"
    return int(client.sandbox.stats()["requests"].get(key, 0))


def caption_two_and_a_colleague_the_first(
    client: Any, editor: GalleryEditor, theirs: str
) -> tuple[str, str]:
    """Caption the first two photos ("mine", "also mine"); a colleague changes the first."""
    first, second = names(editor)[:2]
    editor.set_caption(first, "mine")
    editor.set_caption(second, "also mine")
    client.sandbox.set_image(editor.product, "shop", first, description=theirs)
    return first, second


def no_retries(client: Any) -> None:
    client.settings = dataclasses.replace(client.settings, max_attempts=1)


# -- import and construction -----------------------------------------------------------------


def test_import_shoptet_nb_does_not_load_the_widget_stack() -> None:
    code = "import sys, shoptet_nb; print('ipyvuetify' in sys.modules, 'ipyvue' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_lazy_attribute_and_exports() -> None:
    import shoptet_nb.widgets as widgets

    assert sn.GalleryEditor is GalleryEditor
    assert widgets.__all__ == ["CaptionWorklist", "GalleryEditor"]


def test_vue_template_ships_beside_the_class() -> None:
    assert VUE_FILE.is_file()
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert '"widgets/*.vue"' in pyproject


def test_open_on_one_product(client: Any, guid: str, editor: GalleryEditor) -> None:
    stored = server(client, guid)
    assert names(editor) == [i["name"] for i in stored]  # admin order
    assert [c["position"] for c in editor.cards] == list(range(1, len(stored) + 1))
    assert [c["main"] for c in editor.cards] == [i["isMainImage"] for i in stored]
    assert [c["caption"] for c in editor.cards] == [i["description"] or "" for i in stored]
    product = next(p for p in client.sandbox.products() if p["guid"] == guid)
    assert editor.heading == product["name"]
    assert editor.subheading.startswith("Product 1 of 1 · gallery shop")
    assert editor.is_sandbox is True
    assert editor.product == guid
    assert editor.pending == 0
    assert editor.pending_text == "No unsaved changes"
    assert not editor.has_previous
    assert not editor.has_next
    assert editor.changes.empty
    assert list(editor.changes.columns) == ["guid", "gallery", "name", "priority", "description"]
    assert "sandbox" not in repr(editor).lower() or "GalleryEditor" in repr(editor)


def test_thumbnails_are_inlined_for_the_sandbox(editor: GalleryEditor) -> None:
    assert set(editor.thumbs) == {c["key"] for c in editor.cards}
    assert all(src.startswith("data:image/png;base64,") for src in editor.thumbs.values())


def test_thumbnails_of_a_real_shop_keep_their_url() -> None:
    shop = sn.sandbox(seed=0, products=6).sandbox
    client = sn.connect("token", base_url="https://api.example.test", transport=shop.transport())
    guid = next(p["guid"] for p in shop.products() if shop.images(p["guid"]))
    editor = GalleryEditor(client, product=guid, journal=False)
    assert editor.is_sandbox is False
    assert editor.thumbs
    assert all(src.startswith("https://api.example.test/") for src in editor.thumbs.values())


def test_thumbnails_on_loopback_are_inlined() -> None:
    # On Binder the browser cannot reach the kernel's 127.0.0.1: the bytes travel instead.
    shop = sn.sandbox(seed=0, products=6).sandbox
    client = sn.connect("token", base_url="http://127.0.0.1:9", transport=shop.transport())
    guid = next(p["guid"] for p in shop.products() if shop.images(p["guid"]))
    editor = GalleryEditor(client, product=guid, journal=False)
    assert editor.thumbs
    assert all(src.startswith("data:image/") for src in editor.thumbs.values())


def test_only_one_source_and_a_known_gallery(client: Any, guid: str) -> None:
    with pytest.raises(ArgumentError, match="one of product="):
        GalleryEditor(client, product=guid, products=[guid])
    with pytest.raises(ArgumentError, match="unknown gallery"):
        GalleryEditor(client, product=guid, gallery="video")
    with pytest.raises(FrameError, match="lacks the column"):
        GalleryEditor(client, images=pd.DataFrame({"guid": [guid]}))
    with pytest.raises(FrameError, match="guid column"):
        GalleryEditor(client, products=pd.DataFrame({"x": [1]}))


def test_empty_editor_waits_for_a_product(client: Any) -> None:
    editor = GalleryEditor(client, journal=False)
    assert editor.cards == []
    assert editor.current_guid == ""
    assert editor.product is None
    assert editor.changes.empty
    with pytest.raises(ArgumentError, match="no product on screen"):
        editor.move_up("1.jpg")
    assert "Gallery editor" in editor._repr_html_()


def test_product_without_images(client: Any) -> None:
    empty = guids_with(client, 0, 0)[0]
    editor = GalleryEditor(client, product=empty, journal=False)
    assert editor.cards == []
    assert editor.current_guid == empty
    assert editor.subheading.endswith("0 images")


def test_unknown_product_is_reported(client: Any) -> None:
    ghost = "00000000-0000-4000-8000-000000000000"
    editor = GalleryEditor(client, product=ghost, journal=False)
    assert editor.cards == []
    assert editor.notice_type == "error"
    assert ghost in editor.notice


def test_open_on_a_list_and_step_through(client: Any) -> None:
    first, second, third = guids_with(client, 3, 12, n=3)
    editor = GalleryEditor(client, products=[first, second, third, first], journal=False)
    assert editor.products == [first, second, third]
    assert editor.has_next
    assert not editor.has_previous
    editor.vue_next_product({})
    assert editor.product == second
    assert editor.has_previous
    assert editor.has_next
    assert editor.subheading.startswith("Product 2 of 3")
    editor.vue_next_product({})
    assert editor.product == third
    assert not editor.has_next
    editor.vue_next_product({})  # at the end: stays
    assert editor.product == third
    editor.vue_previous_product({})
    editor.vue_previous_product({})
    editor.vue_previous_product({})  # at the start: stays
    assert editor.product == first


def test_edits_are_kept_per_product_and_saved_together(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    editor = GalleryEditor(client, products=[first, second], journal=False)
    a = names(editor)[0]
    key = card(editor, a)["key"]
    # The caption draft rides along with the navigation event, as the browser sends it.
    editor.vue_next_product({"captions": {key: "first product, first photo"}})
    b = names(editor)[-1]
    editor.vue_make_main({"name": b})
    assert editor.pending_text.endswith("in 2 products")
    editor.vue_previous_product({})
    assert card(editor, a)["caption"] == "first product, first photo"
    assert card(editor, a)["changed"]
    assert set(editor.changes["guid"]) == {first, second}
    editor.save()
    assert server(client, first)[0]["description"] == "first product, first photo"
    assert server(client, second)[0]["name"] == b
    assert editor.changes.empty


def test_open_on_a_products_frame(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    frame = pd.DataFrame({"guid": [first, second], "name": ["Alpha", "Beta"]})
    editor = GalleryEditor(client, products=frame, journal=False)
    names_now = {p["guid"]: p["name"] for p in client.sandbox.products()}
    assert editor.heading == names_now[first]  # the shop's current name wins
    editor.next_product()
    assert editor.heading == names_now[second]
    series = GalleryEditor(client, products=frame["guid"], journal=False)
    assert series.products == [first, second]


def test_open_on_an_images_frame_reads_nothing_more(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    images = sn.read_images(client, [first, second], progress=False)
    before = images.copy()
    reads = get_calls(client)
    editor = GalleryEditor(client, images=images, journal=False)
    editor.next_product()
    assert get_calls(client) == reads  # the galleries came from the frame
    assert editor.products == [str(g) for g in images["guid"].drop_duplicates()]
    editor.set_caption(names(editor)[0], "changed")
    pd.testing.assert_frame_equal(images, before)  # the caller's frame is never touched


# -- captions ----------------------------------------------------------------------------------


def test_caption_from_the_browser_is_a_change(client: Any, editor: GalleryEditor) -> None:
    name = names(editor)[1]
    ident = card(editor, name)["key"]
    rev = card(editor, name)["rev"]
    editor.vue_set_caption({"captions": {ident: "Red backpack, side view"}})
    got = card(editor, name)
    assert got["caption"] == "Red backpack, side view"
    assert got["changed"]
    assert got["fields"] == ["caption"]
    assert got["rev"] == rev  # typed in the browser: the draft there stays valid
    changes = editor.changes
    assert len(changes) == 1
    row = changes.iloc[0]
    assert row["name"] == name
    assert row["description"] == "Red backpack, side view"
    assert pd.isna(row["priority"])
    assert editor.pending == 1
    assert editor.pending_text == "1 unsaved change"


def test_caption_back_to_the_original_is_no_change(editor: GalleryEditor) -> None:
    name = names(editor)[0]
    original = card(editor, name)["caption"]
    editor.set_caption(name, "something else")
    editor.set_caption(name, original)
    assert editor.changes.empty
    assert not card(editor, name)["changed"]


def test_caption_set_from_python_retires_browser_drafts(editor: GalleryEditor) -> None:
    name = names(editor)[0]
    rev = card(editor, name)["rev"]
    editor.set_caption(name, "from code")
    assert card(editor, name)["rev"] > rev
    assert card(editor, name)["caption"] == "from code"


def test_null_and_empty_captions_are_the_same(client: Any) -> None:
    shop = client.sandbox
    for product in shop.products():
        images = shop.images(product["guid"])
        blank = [i["name"] for i in images if i["description"] is None]
        if blank:
            break
    else:
        pytest.skip("no image without a caption in this catalogue")
    editor = GalleryEditor(client, product=product["guid"], journal=False)
    editor.set_caption(blank[0], "")
    assert editor.changes.empty


def test_captions_of_unknown_cards_are_ignored(editor: GalleryEditor) -> None:
    editor.vue_set_caption({"captions": {"nope/shop/x.jpg": "lost"}})
    assert editor.changes.empty


def test_lint_hints_follow_the_caption(client: Any, guid: str) -> None:
    editor = GalleryEditor(client, product=guid, journal=False, max_length=20)
    assert editor.max_length == 20
    first, second = names(editor)[:2]

    def rules(name: str) -> set[str]:
        return {h["rule"] for h in card(editor, name)["hints"]}

    editor.set_caption(first, "")
    assert "empty" in rules(first)
    editor.set_caption(first, first)
    assert "file_name" in rules(first)
    editor.set_caption(first, "A caption that is far too long for twenty")
    assert "too_long" in rules(first)
    editor.set_caption(first, "Same words")
    editor.set_caption(second, "Same words")
    assert "duplicate" in rules(first)
    assert "duplicate" in rules(second)
    editor.set_caption(first, MARKUP)
    assert "markup" in rules(first)


def test_markup_caption_is_kept_as_text(client: Any, editor: GalleryEditor, guid: str) -> None:
    name = names(editor)[0]
    editor.set_caption(name, MARKUP)
    assert card(editor, name)["caption"] == MARKUP
    html = editor._repr_html_()
    assert MARKUP not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    editor.save()
    assert server(client, guid)[0]["description"] == MARKUP


def test_the_template_never_renders_html_from_data() -> None:
    text = vue_text()
    assert "v-html" not in text
    assert "innerHTML" not in text


def test_template_carries_the_accessible_names() -> None:
    text = vue_text()
    for fragment in (
        ":aria-label=\"'Caption for ' + card.name\"",
        ":aria-label=\"'Move ' + card.name + ' up'\"",
        ":aria-label=\"'Move ' + card.name + ' down'\"",
        ":aria-label=\"'Make ' + card.name + ' the main image'\"",
        ">Preview</v-btn>",
        ">Save changes</v-btn",
        ">Reset</v-btn>",
        'aria-label="Previous product"',
        'aria-label="Next product"',
        'aria-label="Reload from the shop"',
        'aria-label="Find a product"',
    ):
        assert fragment in text, fragment


# -- order -----------------------------------------------------------------------------------


def test_move_up_down_and_make_main(client: Any, editor: GalleryEditor) -> None:
    start = names(editor)
    editor.vue_move_up({"name": start[2]})
    assert names(editor)[:3] == [start[0], start[2], start[1]]
    editor.vue_move_down({"name": start[2]})
    assert names(editor) == start
    assert editor.changes.empty  # back where it was: nothing to save
    editor.vue_make_main({"name": start[-1]})
    assert names(editor) == [start[-1], *start[:-1]]
    assert card(editor, start[-1])["main"]
    assert not card(editor, start[0])["main"]
    assert card(editor, start[-1])["was"] == len(start)
    # Marked: the photos the move writes (in this tied gallery, the others around it).
    written = set(editor.changes["name"])
    assert written
    assert {c["name"] for c in editor.cards if c["fields"] == ["position"]} == written
    # The first can go no higher and the last no lower.
    editor.move_up(names(editor)[0])
    editor.move_down(names(editor)[-1])
    assert names(editor) == [start[-1], *start[:-1]]


def test_drag_and_drop_moves_to_the_drop_position(editor: GalleryEditor) -> None:
    start = names(editor)
    editor.vue_move({"name": start[0], "position": 3})
    assert names(editor) == [start[1], start[2], start[0], *start[3:]]
    editor.vue_move({"name": start[0], "position": 99})  # clamped to the end
    assert names(editor)[-1] == start[0]


def test_reorder_emits_only_the_priorities_that_give_the_order(
    client: Any, editor: GalleryEditor
) -> None:
    start = names(editor)
    editor.make_main(start[1])
    changes = editor.changes
    assert changes["description"].isna().all()
    stored = {i["name"]: i["priority"] for i in server(client, editor.product or "")}
    emitted = dict(zip(changes["name"], changes["priority"].astype(int), strict=True))
    assert all(stored[n] != p for n, p in emitted.items())  # no write that changes nothing
    after = stored | emitted
    assert sorted(after, key=lambda n: (after[n] is None, after[n] or 0, n)) == names(editor)


def test_undo_restores_caption_and_place(editor: GalleryEditor) -> None:
    start = names(editor)
    original = card(editor, start[3])["caption"]
    editor.make_main(start[3])
    editor.set_caption(start[3], "edited")
    rev = card(editor, start[3])["rev"]
    editor.vue_discard({"name": start[3]})
    assert names(editor) == start
    assert card(editor, start[3])["caption"] == original
    assert card(editor, start[3])["rev"] > rev
    assert editor.changes.empty


def test_reset_forgets_everything(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    editor = GalleryEditor(client, products=[first, second], journal=False)
    editor.make_main(names(editor)[-1])
    editor.next_product()
    editor.set_caption(names(editor)[0], "x")
    editor.preview()
    editor.vue_reset({})
    assert editor.changes.empty
    assert not editor.preview_open
    editor.previous_product()
    assert not any(c["changed"] for c in editor.cards)


def test_bad_event_shows_an_error_instead_of_raising(editor: GalleryEditor) -> None:
    editor.vue_move_up({"name": "no-such-image.jpg"})
    assert editor.notice_type == "error"
    assert "no-such-image.jpg" in editor.notice
    with pytest.raises(ArgumentError):
        editor.move_up("no-such-image.jpg")


# -- preview, plan and save ------------------------------------------------------------------


def test_plan_accepts_the_changes(editor: GalleryEditor) -> None:
    first = names(editor)[0]
    editor.set_caption(first, "new caption")
    editor.move_down(first)
    plan = editor.plan()
    assert plan.counts["would_update"] == len(editor.changes)
    assert editor.last_plan is plan


def test_preview_shows_old_and_new(editor: GalleryEditor) -> None:
    name = names(editor)[0]
    old = card(editor, name)["caption"]
    editor.vue_preview({"captions": {card(editor, name)["key"]: "new text"}})
    assert editor.preview_open
    assert editor.preview_summary.startswith("1 image in the plan: 1 would update")
    (row,) = editor.preview_rows
    assert row["name"] == name
    assert row["status"] == "would_update"
    assert row["old_description"] == (old or None)
    assert row["new_description"] == "new text"
    editor.vue_close_preview({})
    assert not editor.preview_open


def test_preview_of_nothing(editor: GalleryEditor) -> None:
    editor.preview()
    assert editor.preview_rows == []
    assert editor.preview_summary.startswith("Nothing to save")


def test_save_changes_exactly_what_was_edited(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    before = server(client, guid)
    start = names(editor)
    ident = card(editor, start[1])["key"]
    editor.vue_make_main({"name": start[2]})
    # Save carries the caption still being typed, like the browser's Save button does.
    editor.vue_save({"captions": {ident: "Typed just before Save"}})
    after = server(client, guid)
    expected_order = [start[2], start[0], start[1], *start[3:]]
    assert [i["name"] for i in after] == expected_order
    by_name = {i["name"]: i for i in after}
    for image in before:  # captions: exactly one changed
        caption = by_name[image["name"]]["description"]
        if image["name"] == start[1]:
            assert caption == "Typed just before Save"
        else:
            assert caption == image["description"]
    assert editor.result is not None
    assert editor.result.counts["failed"] == 0
    assert editor.notice_type == "success"
    assert editor.notice.startswith("Saved")
    assert editor.changes.empty
    assert editor.pending == 0
    assert names(editor) == expected_order  # refreshed from the shop
    assert card(editor, start[1])["outcome"] == {"status": "updated", "ok": True, "label": "Saved"}
    assert not editor.busy


def test_save_shows_progress_while_it_runs(client: Any, guid: str) -> None:
    seen: list[tuple[bool, str, float, bool]] = []

    def watched(plan: Any, **kwargs: Any) -> Any:
        seen.append((editor.busy, editor.busy_text, editor.progress, editor.preview_open))
        return sn.apply(plan, **kwargs)

    editor = editor_applying(client, guid, watched)
    editor.set_caption(names(editor)[0], "x")
    editor.preview()
    editor.save()
    assert seen == [(True, "Saving 1 change…", -1.0, False)]
    assert not editor.busy
    assert editor.busy_text == ""
    assert editor.progress == 100.0  # apply reported every gallery written


def test_save_progress_moves_with_each_gallery(client: Any, editor: GalleryEditor) -> None:
    steps: list[float] = []
    editor.observe(lambda change: steps.append(change["new"]), names="progress")
    editor.set_caption(names(editor)[0], "Nový popisek")
    editor.save()
    assert steps[-2:] == [0.0, 100.0]


def test_save_with_nothing_pending(client: Any, editor: GalleryEditor) -> None:
    assert editor.save() is None
    assert editor.notice.startswith("Nothing to save")
    assert patch_calls(client) == 0


def test_failed_save_keeps_the_edits(client: Any, editor: GalleryEditor, guid: str) -> None:
    no_retries(client)
    before = server(client, guid)
    start = names(editor)
    editor.set_caption(start[0], "kept after a failure")
    editor.move_down(start[0])
    pending = editor.changes
    client.sandbox.set_options(fault_rate=1.0, fault_weights={"500": 1.0})
    try:
        editor.vue_save({})
    finally:
        client.sandbox.set_options(fault_rate=0.0)
    assert server(client, guid) == before
    assert editor.notice_type == "error"
    pd.testing.assert_frame_equal(editor.changes, pending)
    failed = card(editor, start[0])
    assert failed["caption"] == "kept after a failure"
    assert failed["changed"]
    assert failed["outcome"]["ok"] is False
    assert "Not saved" in failed["outcome"]["label"]
    assert names(editor)[:2] == [start[1], start[0]]
    # The same edits go through once the server is back.
    editor.vue_save({})
    assert editor.notice_type == "success"
    assert server(client, guid)[1]["description"] == "kept after a failure"


def test_conflict_is_shown_on_its_card_and_the_rest_saves(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    first, second = caption_two_and_a_colleague_the_first(client, editor, "changed in the admin")
    result = editor.save()
    assert result is not None
    assert result.counts["conflict"] == 1
    assert result.counts["updated"] == 1
    assert card(editor, first)["outcome"]["status"] == "conflict"
    assert card(editor, first)["caption"] == "mine"  # the edit stays, pending
    assert card(editor, second)["outcome"]["ok"] is True
    assert editor.notice_type == "warning"
    assert editor.notice.startswith("Partly saved")
    assert editor.changes.empty  # reloaded: the edit is now a conflict, not sent again blindly
    assert list(editor.conflicts["name"]) == [first]
    assert card(editor, first)["conflict"][0]["theirs"] == "changed in the admin"
    stored = {i["name"]: i["description"] for i in server(client, guid)}
    assert stored[first] == "changed in the admin"
    assert stored[second] == "also mine"


def test_editing_again_clears_the_outcome(client: Any, editor: GalleryEditor) -> None:
    name = names(editor)[0]
    editor.set_caption(name, "one")
    editor.save()
    assert card(editor, name)["outcome"] is not None
    editor.set_caption(name, "two")
    assert card(editor, name)["outcome"] is None


def test_whole_save_failure_is_raised_and_shown(client: Any, guid: str) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise sn.NetworkError("connection refused")

    editor = editor_applying(client, guid, broken)
    name = names(editor)[0]
    editor.set_caption(name, "not lost")
    with pytest.raises(sn.NetworkError):
        editor.save()
    assert editor.notice_type == "error"
    assert "connection refused" in editor.notice
    assert card(editor, name)["caption"] == "not lost"
    assert not editor.busy
    editor.vue_save({})  # from the button: shown, not raised
    assert "connection refused" in editor.notice


def test_refresh_keeps_edits_and_takes_server_changes(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    first, second = names(editor)[:2]
    editor.set_caption(first, "my edit")
    client.sandbox.set_image(guid, "shop", second, description="from the admin")
    editor.vue_refresh({})
    assert card(editor, first)["caption"] == "my edit"
    assert card(editor, second)["caption"] == "from the admin"
    assert list(editor.changes["name"]) == [first]


def test_images_shows_the_state_after_saving(editor: GalleryEditor) -> None:
    start = names(editor)
    editor.make_main(start[1])
    editor.set_caption(start[0], "x")
    images = editor.images
    assert list(images["name"]) == [start[1], start[0], *start[2:]]
    assert list(sn.sort_gallery(images)["name"]) == list(images["name"])
    assert images.loc[1, "description"] == "x"
    assert list(images["is_main_image"])[:2] == [True, False]


# -- product picker ----------------------------------------------------------------------------


def test_search_ignores_case_and_accents(client: Any, editor: GalleryEditor) -> None:
    target = next(p for p in client.sandbox.products() if "č" in p["name"].lower())
    word = next(w for w in target["name"].split() if "č" in w.lower())
    plain = fold(word).upper()
    found = editor.search_products(plain)
    assert target["guid"] in [f["guid"] for f in found]
    editor.vue_search_products({"text": plain})
    assert target["guid"] in [r["guid"] for r in editor.search_results]
    assert all(set(r) == {"guid", "title", "detail"} for r in editor.search_results)
    editor.vue_search_products({"text": ""})
    assert len(editor.search_results) == min(20, len(client.sandbox.products()))


def test_search_tells_same_named_products_apart() -> None:
    client = sn.sandbox(seed=0, products=200, limits=False)
    listed = client.list_products()
    seen: dict[str, str] = {}
    twin = next(p["name"] for p in listed if seen.setdefault(p["name"], p["guid"]) != p["guid"])
    editor = GalleryEditor(client, journal=False)
    editor.search_products(twin)
    same = [r for r in editor.search_results if r["title"] == twin]
    assert len(same) >= 2
    assert len({r["detail"] for r in same}) == len(same)
    for result in same:
        assert f"guid {result['guid'][:8]}" in result["detail"]


def test_static_view_without_pictures_drops_the_column(client: Any, guid: str) -> None:
    editor = GalleryEditor(client, product=guid, journal=False)
    editor.thumbs = {}
    html = editor._repr_html_()
    assert "<th>image</th>" not in html
    assert "<img" not in html


def test_pick_a_product_from_the_search(client: Any, editor: GalleryEditor, guid: str) -> None:
    other = next(g for g in guids_with(client, 3, 12, n=3) if g != guid)
    editor.vue_show_product({"guid": other})
    assert editor.product == other
    assert editor.products == [guid, other]
    assert editor.has_previous
    editor.vue_show_product({"guid": guid})  # already listed: no duplicate
    assert editor.products == [guid, other]
    assert editor.product == guid


def test_search_failure_is_shown(client: Any, editor: GalleryEditor) -> None:
    no_retries(client)
    client.sandbox.set_options(fault_rate=1.0, fault_weights={"500": 1.0})
    try:
        assert editor.search_products("x") == []
    finally:
        client.sandbox.set_options(fault_rate=0.0)
    assert editor.notice_type == "error"
    assert "list the shop's products" in editor.notice


# -- static fallback ---------------------------------------------------------------------------


def test_mimebundle_has_the_widget_and_a_static_view(editor: GalleryEditor) -> None:
    bundle = editor._repr_mimebundle_()
    assert bundle is not None
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert html.startswith('<div class="shoptet-nb-gallery">')
    assert "[SANDBOX]" in html
    for c in editor.cards:
        assert c["name"] in html
    # Sandbox pictures are unreachable from GitHub/nbviewer: their small copies are inlined.
    assert html.count('<img src="data:image/png;base64,') == len(editor.cards)
    assert len(bundle["text/plain"]) <= 111


def test_static_view_of_a_real_shop_links_pictures() -> None:
    shop = sn.sandbox(seed=0, products=6).sandbox
    client = sn.connect("token", base_url="https://api.example.test", transport=shop.transport())
    guid = next(p["guid"] for p in shop.products() if shop.images(p["guid"]))
    editor = GalleryEditor(client, product=guid, journal=False)
    assert '<img src="https://api.example.test/' in editor._repr_html_()


# -- pure helpers ------------------------------------------------------------------------------


def test_photo_ids_round_trip() -> None:
    key = photo_id(("g", "shop", "a/b.jpg"))
    assert parse_photo_id(key) == ("g", "shop", "a/b.jpg")


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/a.png", True),
        ("http://localhost/a.png", True),
        ("http://[::1]:80/a.png", True),
        ("http://127.5.5.5/a.png", True),
        ("https://cdn.myshoptet.com/a.png", False),
        ("http://10.0.0.1/a.png", False),
        ("not a url", False),
    ],
)
def test_is_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_data_uri_types() -> None:
    assert data_uri(b"\x89PNG....", "x.jpg").startswith("data:image/png;base64,")
    assert data_uri(b"\xff\xd8\xff..", "x").startswith("data:image/jpeg;base64,")
    assert data_uri(b"????", "x.gif").startswith("data:image/gif;base64,")
    assert data_uri(b"????", "x").startswith("data:application/octet-stream;base64,")


def test_language_edits_that_language_only(client: Any, guid: str) -> None:
    default = [i["description"] for i in server(client, guid)]
    editor = GalleryEditor(client, product=guid, language="en", journal=False)
    name = names(editor)[0]
    editor.set_caption(name, "English caption")
    assert list(editor.changes["language"]) == ["en"]
    editor.save()
    assert client.sandbox.images(guid, language="en")[0]["description"] == "English caption"
    # The captions of the shop's default language are untouched.
    assert [i["description"] for i in server(client, guid)] == default


# -- issue 9: the editor shows the truth -------------------------------------------------------


def spread_priorities(client: Any, guid: str, step: int = 10) -> list[str]:
    """Give a gallery the priorities 10, 20, 30 ... in its current order (a gapped gallery)."""
    order = [i["name"] for i in server(client, guid)]
    for position, name in enumerate(order, start=1):
        client.sandbox.set_image(guid, "shop", name, priority=position * step)
    return order


def test_reload_after_save_and_revert_shows_no_phantom_edits(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    start = names(editor)
    editor.move_up(start[1])
    result = editor.save()
    assert result is not None
    sn.revert(result, journal=False, progress=False)
    editor.refresh()
    assert names(editor) == [i["name"] for i in server(client, guid)] == start
    assert editor.changes.empty
    assert editor.pending == 0
    assert editor.pending_text == "No unsaved changes"
    assert not any(c["changed"] for c in editor.cards)
    assert not any(c["outcome"] for c in editor.cards)  # no "Saved" for what was reverted


def test_a_colleagues_reorder_is_shown_after_reload_not_undone(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    start = names(editor)
    client.sandbox.set_image(guid, "shop", start[0], priority=65535)  # first goes last
    editor.vue_refresh({})
    assert names(editor) == [i["name"] for i in server(client, guid)]
    assert names(editor)[-1] == start[0]
    assert editor.changes.empty
    assert editor.pending == 0


def test_a_colleagues_caption_is_not_overwritten_by_an_unsaved_edit(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    first, second = caption_two_and_a_colleague_the_first(client, editor, "a colleague's")
    editor.vue_refresh({})
    editor.save()
    stored = {i["name"]: i["description"] for i in server(client, guid)}
    assert stored[first] == "a colleague's"  # not overwritten
    assert stored[second] == "also mine"
    assert "1 edit in conflict was not sent" in editor.notice
    assert card(editor, first)["caption"] == "mine"  # still there to resolve
    conflicts = editor.conflicts
    assert list(zip(conflicts["name"], conflicts["field"], strict=True)) == [(first, "description")]
    assert (conflicts["yours"].iloc[0], conflicts["theirs"].iloc[0]) == ("mine", "a colleague's")
    assert editor.changes.empty
    assert card(editor, first)["conflict"] == [
        {"field": "description", "yours": "mine", "theirs": "a colleague's"}
    ]
    editor.keep_mine(first)
    assert list(editor.changes["name"]) == [first]
    editor.save()
    assert server(client, guid)[0]["description"] == "mine"
    assert editor.conflicts.empty


def test_take_theirs_drops_the_edit(client: Any, editor: GalleryEditor, guid: str) -> None:
    first = names(editor)[0]
    editor.set_caption(first, "mine")
    client.sandbox.set_image(guid, "shop", first, description="theirs")
    editor.refresh()
    editor.vue_take_theirs({"name": first})
    assert editor.notice.startswith(f"Took the shop's version of {first}")
    assert card(editor, first)["caption"] == "theirs"
    assert editor.pending == 0
    assert editor.conflicts.empty


def test_a_pending_move_over_a_colleagues_reorder_is_a_conflict(
    client: Any, editor: GalleryEditor, guid: str
) -> None:
    start = names(editor)
    editor.make_main(start[2])
    client.sandbox.set_image(guid, "shop", start[0], priority=65535)
    editor.refresh()
    assert set(editor.conflicts["field"]) == {"order"}
    assert editor.changes.empty
    before = server(client, guid)
    editor.save()
    assert server(client, guid) == before
    assert patch_calls(client) == 0
    # The conflict is on the photos the move writes (a tied gallery loses its ties).
    written = editor.conflicts["name"].iloc[0]
    editor.vue_keep_mine({"name": written, "field": "order"})
    editor.save()
    assert server(client, guid)[0]["name"] == start[2]


def test_one_move_on_a_gapped_gallery_writes_one_photo(client: Any, guid: str) -> None:
    start = spread_priorities(client, guid)
    editor = GalleryEditor(client, product=guid, journal=False)
    editor.move_up(start[3])
    assert len(editor.changes) == 1
    assert editor.pending_text == "1 unsaved change"
    editor.make_main(start[-1])
    assert len(editor.changes) == 2
    client.sandbox.reset_stats()
    editor.save()
    assert sum(client.sandbox.stats()["writes"].values()) == 2
    order = [i["name"] for i in server(client, guid)]
    assert order[0] == start[-1]
    assert order[1:5] == [start[0], start[1], start[3], start[2]]


def test_undo_button_takes_back_the_last_action(editor: GalleryEditor) -> None:
    start = names(editor)
    assert not editor.can_undo
    editor.set_caption(start[0], "one")
    editor.vue_make_main({"name": start[2]})
    assert editor.can_undo
    assert editor.undo_text == f"Undo the move of {start[2]} to position 1"
    editor.vue_undo({})
    assert names(editor) == start
    assert card(editor, start[0])["caption"] == "one"
    assert editor.notice == f"Undone: move of {start[2]} to position 1."
    editor.vue_reset({})
    assert editor.pending == 0
    editor.vue_undo({})  # the reset is undone too
    assert card(editor, start[0])["caption"] == "one"
    editor.vue_undo({})
    assert editor.pending == 0
    assert not editor.can_undo
    assert editor.undo() is None


def test_pending_count_names_the_products(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    editor = GalleryEditor(client, products=[first, second], journal=False)
    editor.set_caption(names(editor)[0], "x")
    editor.next_product()
    editor.make_main(names(editor)[-1])
    assert editor.pending_text == f"{editor.pending} unsaved changes in 2 products"
    titles = {p["guid"]: p for p in editor.pending_products}
    assert list(titles) == [first, second]
    assert titles[second]["current"]
    assert not titles[first]["current"]
    editor.vue_show_product({"guid": first})  # a click on the list jumps there
    assert editor.product == first
    assert editor.products == [first, second]


def test_an_interrupted_save_keeps_what_was_saved(client: Any, guid: str) -> None:
    def interrupt(plan: Any, **kwargs: Any) -> Any:
        result = sn.apply(plan, **kwargs)  # everything landed, then the kernel was stopped
        raise sn.Interrupted("interrupted", result)

    editor = editor_applying(client, guid, interrupt)
    first = names(editor)[0]
    editor.set_caption(first, "saved before the interrupt")
    with pytest.raises(KeyboardInterrupt):
        editor.save()
    assert editor.notice.startswith("Save interrupted: 1 image saved")
    assert editor.pending == 0
    assert card(editor, first)["outcome"]["ok"] is True
    assert not editor.busy
    assert server(client, guid)[0]["description"] == "saved before the interrupt"


def test_an_interrupt_without_a_result_keeps_the_edits(client: Any, guid: str) -> None:
    def interrupt(plan: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    editor = editor_applying(client, guid, interrupt)
    editor.set_caption(names(editor)[0], "kept")
    with pytest.raises(KeyboardInterrupt):
        editor.save()
    assert editor.notice.startswith("Save interrupted; your edits are kept")
    assert editor.pending == 1
    assert not editor.busy


def test_returning_to_a_product_reads_the_shop_again(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    editor = GalleryEditor(client, products=[first, second], journal=False)
    start = names(editor)
    editor.next_product()
    client.sandbox.set_image(first, "shop", start[0], priority=65535)  # a colleague, meanwhile
    editor.previous_product()
    assert names(editor) == [i["name"] for i in server(client, first)]
    assert names(editor)[-1] == start[0]
    assert editor.pending == 0


# -- one language per editor; a partial frame is shown whole ------------------------------------


def read_back(client: Any, guid: str, language: str | None = None) -> dict[str, Any]:
    frame = sn.read_images(client, [guid], language=language, progress=False)
    return dict(zip(frame["name"], frame["description"], strict=True))


def test_an_editor_on_a_frame_read_in_another_language_edits_that_language(
    client: Any, guid: str
) -> None:
    czech = read_back(client, guid)
    slovak = sn.read_images(client, [guid], language="sk", progress=False)
    editor = GalleryEditor(client, images=slovak, journal=False)  # no language= given
    name = names(editor)[0]
    editor.set_caption(name, "Slovenský popis")
    assert list(editor.changes["language"]) == ["sk"]
    editor.save()
    assert editor.result is not None
    assert list(editor.result.rows["status"]) == ["updated"]
    assert read_back(client, guid, "sk")[name] == "Slovenský popis"
    assert read_back(client, guid) == czech  # the default language is untouched
    editor.refresh()  # reloads read Slovak too: the saved caption is the shop's, 0 pending
    assert card(editor, name)["caption"] == "Slovenský popis"
    assert editor.pending == 0


def test_an_editor_refuses_a_frame_mixing_languages(client: Any, guid: str) -> None:
    czech = sn.read_images(client, [guid], progress=False)
    slovak = sn.read_images(client, [guid], language="sk", progress=False)
    mixed = pd.concat([czech.iloc[:2], slovak.iloc[2:]], ignore_index=True)
    with pytest.raises(FrameError, match=r"several languages \('sk', the shop's default"):
        GalleryEditor(client, images=mixed, journal=False)


def test_an_editor_refuses_a_language_other_than_the_frames(client: Any, guid: str) -> None:
    slovak = sn.read_images(client, [guid], language="sk", progress=False)
    with pytest.raises(ArgumentError, match=r"language='en'.*'sk'"):
        GalleryEditor(client, images=slovak, language="en", journal=False)
    czech = sn.read_images(client, [guid], progress=False)
    with pytest.raises(ArgumentError, match=r"language='sk'.*the shop's default"):
        GalleryEditor(client, images=czech, language="sk", journal=False)
    # The default language by name is the frame's language: no error.
    editor = GalleryEditor(client, images=czech, language="cs", journal=False)
    editor.set_caption(names(editor)[0], "výchozí")
    assert editor.plan().counts.get("would_update") == 1


def test_an_editor_on_part_of_a_gallery_shows_and_reorders_the_whole_gallery(
    client: Any,
) -> None:
    guid = guids_with(client, 8, 12)[0]
    spread_priorities(client, guid, step=3)
    whole = sn.read_images(client, [guid], progress=False)
    part = whole.iloc[[1, 4, 6]]  # a filtered worklist: 3 of the gallery's photos
    editor = GalleryEditor(client, images=part, journal=False)
    shop = [i["name"] for i in server(client, guid)]
    assert names(editor) == shop  # every photo, in the shop's order
    moved = str(part["name"].iloc[2])
    editor.move(moved, 2)
    shown = names(editor)
    assert shown[1] == moved
    priorities = {str(n): int(p) for n, p in zip(whole["name"], whole["priority"], strict=True)}
    fewest = fewest_priority_changes(priorities, shown)
    changes = editor.changes
    assert len(changes) == len(fewest)
    written = dict(priorities)
    written.update(
        {str(n): int(p) for n, p in zip(changes["name"], changes["priority"], strict=True)}
    )
    assert shop_order(written) == shown  # the writes, applied, give exactly the order shown
    editor.save()
    assert [i["name"] for i in server(client, guid)] == shown


def test_a_whole_frame_is_not_read_again_but_a_filtered_one_is(client: Any) -> None:
    first, second = guids_with(client, 3, 12, n=2)
    images = sn.read_images(client, [first, second], progress=False)
    reads = get_calls(client)
    GalleryEditor(client, images=images[images["guid"] == first], journal=False)
    assert get_calls(client) == reads  # one whole gallery of the frame: nothing read
    filtered = images[(images["guid"] == first) & (images["name"] != images["name"].iloc[0])]
    editor = GalleryEditor(client, images=filtered, journal=False)
    assert get_calls(client) == reads + 1
    assert len(names(editor)) == len(server(client, first))


def test_a_partial_gallery_that_cannot_be_read_keeps_its_captions_but_not_its_order(
    client: Any, guid: str
) -> None:
    ghost = "00000000-0000-4000-8000-000000000000"  # a product the shop no longer has
    part = sn.read_images(client, [guid], progress=False).iloc[[0, 2]].copy()
    part["guid"] = ghost
    editor = GalleryEditor(client, images=part, journal=False)
    assert editor.notice_type == "error"
    assert ghost in editor.notice
    assert names(editor) == list(part["name"])  # its photos as the frame holds them
    with pytest.raises(ArgumentError, match="only some of its photos"):
        editor.move(names(editor)[1], 1)
    editor.vue_move({"name": names(editor)[1], "position": 1})
    assert "only some of its photos" in editor.notice
    editor.set_caption(names(editor)[0], "still editable")
    assert list(editor.changes["name"]) == [names(editor)[0]]
