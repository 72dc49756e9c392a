"""The photo part of an ``EditSession`` save, past the first version: a blocked delete the
user approves (and only that one) clears the variants' reference; a pending add gets a caption
and a place; the save reports real progress and journals where the session was told to; the
edited frame of a gallery leaves out the photos marked for delete."""

from __future__ import annotations

from pathlib import Path

import pytest

import shoptet_nb as sn
from shoptet_nb.editing import EditSession
from shoptet_nb.editing.loading import edited_frame
from shoptet_nb.sandbox.pictures import picture

from helpers import shop_names, variant_product

pytestmark = pytest.mark.usefixtures("journal_dir")


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=12, insert_job_s=0.2)


def two_variants(client: sn.ShoptetClient) -> tuple[str, list[str], list[str]]:
    """A product whose first variant shows photo 1 and second variant photo 2 (0-based)."""
    guid, code, names = variant_product(client, shown=1)
    product = next(p for p in client.sandbox.products() if p["guid"] == guid)
    other = product["codes"][1]
    client.sandbox.set_variant_image(guid, other, names[2])
    return guid, [code, other], names


def session_on(client: sn.ShoptetClient, guid: str, **kwargs: object) -> EditSession:
    kwargs.setdefault("journal", False)
    session = EditSession(client, **kwargs)  # type: ignore[arg-type]
    assert session.load([(guid, "shop")]) == []
    return session


def test_only_the_approved_blocked_delete_clears_its_variants_reference(
    client: sn.ShoptetClient,
) -> None:
    guid, codes, names = two_variants(client)
    session = session_on(client, guid)
    model = session.model
    model.mark_delete(guid, "shop", names[1])
    model.mark_delete(guid, "shop", names[2])
    preview = session.preview_photos().rows.set_index("item")
    assert list(preview["status"]) == ["blocked", "blocked"]
    assert model.blocked_by(guid, "shop", names[1]) == codes[0]

    model.clear_references(guid, "shop", names[1])
    assert model.last_action.kind == "clear_references"  # type: ignore[union-attr]
    model.undo()  # the approval goes back, the delete mark stays
    assert not model.references_cleared(guid, "shop", names[1])
    assert model.marked_delete(guid, "shop", names[1])
    model.clear_references(guid, "shop", names[1])
    preview = session.preview_photos().rows.set_index("item")
    assert preview.at[names[1], "status"] == "would_delete"
    assert preview.at[names[2], "status"] == "blocked"

    session.save()
    rows = session.photo_result.rows.set_index("item")  # type: ignore[union-attr]
    assert rows.at[names[1], "status"] == "deleted"
    assert rows.at[names[2], "status"] == "blocked"
    assert shop_names(client, guid) == [n for n in names if n != names[1]]
    shown = client.sandbox.variant_images(guid)
    assert shown.get(codes[0]) in (None, "")  # cleared: the user approved it
    assert shown[codes[1]] == names[2]  # never approved: untouched
    assert model.pending_deletes(guid, "shop") == [names[2]]


def test_unmarking_a_delete_takes_its_approval_back(client: sn.ShoptetClient) -> None:
    guid, _, names = two_variants(client)
    session = session_on(client, guid)
    model = session.model
    model.mark_delete(guid, "shop", names[1])
    model.clear_references(guid, "shop", names[1])
    model.mark_delete(guid, "shop", names[1], False)
    model.mark_delete(guid, "shop", names[1])
    assert not model.references_cleared(guid, "shop", names[1])


def test_a_pending_add_takes_a_caption_and_a_place(client: sn.ShoptetClient) -> None:
    guid, _, _ = variant_product(client)
    session = session_on(client, guid)
    url = client.sandbox.stage(picture("first-place", 40, 30))
    add = session.add_photo(guid, "shop", source_url=url)
    session.model.edit_add(guid, "shop", add.id, description="Front <b>", position=1)
    assert session.model.last_action.kind == "edit_add"  # type: ignore[union-attr]
    session.save()
    new = session.photo_result.rows.at[0, "name"]  # type: ignore[union-attr]
    assert shop_names(client, guid)[0] == new
    assert session.model.caption(guid, "shop", new) == "Front <b>"
    session.model.undo()  # nothing: a save clears the undo stack
    assert session.model.pending_count == 0


def test_the_photo_part_of_a_save_reports_progress(client: sn.ShoptetClient) -> None:
    guid, _, names = variant_product(client)
    session = session_on(client, guid)
    session.model.mark_delete(guid, "shop", names[3])
    session.add_photo(guid, "shop", source_url=client.sandbox.stage(picture("p", 30, 30)))
    seen: list[tuple[int, int]] = []
    session.save(on_progress=lambda done, total: seen.append((done, total)))
    assert seen, "no progress while the photos were sent"
    assert seen[-1][0] == seen[-1][1] > 0
    assert all(0 <= d <= t for d, t in seen)


def test_a_save_journals_every_write_next_to_the_sessions_journal(
    client: sn.ShoptetClient, tmp_path: Path, journal_dir: Path
) -> None:
    guid, _, names = variant_product(client)
    path = tmp_path / "mine" / "save.jsonl"
    path.parent.mkdir()
    session = session_on(client, guid, journal=path)
    session.model.mark_delete(guid, "shop", names[3])
    session.add_photo(guid, "shop", source_url=client.sandbox.stage(picture("j", 30, 30)))
    session.model.set_caption(guid, "shop", names[0], "Front")
    session.save()
    written = sorted(p.name for p in path.parent.iterdir() if p.is_file())
    assert written == ["save.adds.jsonl", "save.deletes.jsonl", "save.jsonl"]
    assert (path.parent / "save.deletes.archive").is_dir()  # the deleted photo's archive
    files = [p for p in journal_dir.rglob("*") if p.is_file()] if journal_dir.exists() else []
    assert files == []  # nothing in the default journal folder


def test_the_edited_frame_leaves_out_a_photo_marked_for_delete(
    client: sn.ShoptetClient,
) -> None:
    guid, _, names = variant_product(client)
    session = session_on(client, guid)
    session.model.mark_delete(guid, "shop", names[0])
    frame = edited_frame(session.model, [(guid, "shop")])
    assert list(frame["name"]) == names[1:]
    assert list(frame["is_main_image"]) == [True] + [False] * (len(names) - 2)


def test_layout_puts_adds_where_the_save_places_them_and_keeps_deleted_cards() -> None:
    from shoptet_nb.editing.photo_edits import PendingAdd, layout

    last = PendingAdd.new(source_url="https://x.test/a.jpg")
    first = PendingAdd.new(source_url="https://x.test/b.jpg", position=1)
    slots, places = layout(["a", "b", "c"], {"a", "b"}, [last, first])
    # After the save: b.jpg (added, 1), c, a.jpg (added, 3); a and b stay on screen, marked,
    # where they were (first), before the add that takes place 1.
    assert places[first.id][1] == 1
    assert places[last.id][1] == 3
    shown = sorted([*slots.items(), *((k, v[0]) for k, v in places.items())], key=lambda x: x[1])
    assert [k for k, _ in shown] == ["a", "b", first.id, "c", last.id]


def test_a_placed_add_lands_where_shown_when_cards_were_moved_too(
    client: sn.ShoptetClient,
) -> None:
    guid, _, names = variant_product(client)
    session = session_on(client, guid)
    session.model.move(guid, "shop", names[2], 1)
    session.model.mark_delete(guid, "shop", names[4])
    add = session.add_photo(guid, "shop", source_url=client.sandbox.stage(picture("m", 30, 30)))
    session.model.edit_add(guid, "shop", add.id, position=2)  # right after names[2], as shown
    session.save()
    new = session.photo_result.rows.set_index("action").at["add", "name"]  # type: ignore[union-attr]
    wanted = [names[2], new, names[0], names[1], names[3], *names[5:]]
    assert shop_names(client, guid) == wanted
    assert session.model.order(guid, "shop") == wanted
    assert session.model.pending_count == 0
