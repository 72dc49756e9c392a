"""EditModel on its own: pending edits against the shop as last read, conflicts, undo, saves.

Most tests build read_images-style frames by hand (the model does no I/O); the save tests go
through the sandbox, plan_updates and apply, as a view would.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.edit_model import (
    CHANGE_COLUMNS,
    CONFLICT_COLUMNS,
    EditModel,
    frame_language,
    shop_order,
)
from shoptet_nb.errors import ArgumentError, FrameError

G = "g1"
Photo = tuple[str, int | None, str | None]
SHOP: list[Photo] = [("a.jpg", 1, "A"), ("b.jpg", 2, "B"), ("c.jpg", 3, None), ("d.jpg", 4, "D")]


def frame(photos: list[Photo], guid: str = G, gallery: str = "shop") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "guid": guid,
            "gallery": gallery,
            "name": [p[0] for p in photos],
            "priority": pd.array([p[1] for p in photos], dtype="Int64"),
            "description": pd.array([p[2] for p in photos], dtype="string"),
            "product_name": "Product " + guid,
        }
    )


def changed(photos: list[Photo], name: str, **fields: Any) -> list[Photo]:
    out = []
    for photo in photos:
        if photo[0] == name:
            photo = (name, fields.get("priority", photo[1]), fields.get("description", photo[2]))
        out.append(photo)
    return out


@pytest.fixture
def model() -> EditModel:
    m = EditModel()
    m.load(frame(SHOP), complete=True)
    return m


def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]


# -- loading and reading -------------------------------------------------------------------------


def test_a_fresh_load_shows_the_shop_and_nothing_pending(model: EditModel) -> None:
    assert model.keys == [(G, "shop")]
    assert model.order(G, "shop") == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert model.caption(G, "shop", "c.jpg") == ""
    assert model.changes.empty
    assert list(model.changes.columns) == list(CHANGE_COLUMNS)
    assert list(model.conflicts.columns) == list(CONFLICT_COLUMNS)
    assert model.pending_count == 0
    assert model.pending_products == []
    assert model.state(G, "shop", "a.jpg") is None
    assert not model.can_undo


def test_shop_order_is_priority_then_none_last_then_name() -> None:
    assert shop_order({"z": None, "b": 5, "a": 5, "c": 1}) == ["c", "a", "b", "z"]
    m = EditModel()
    m.load(frame([("z", None, ""), ("b", 5, ""), ("a", 5, ""), ("c", 1, "")]), complete=True)
    assert m.order(G, "shop") == ["c", "a", "b", "z"]


def test_caption_edit_is_a_change_and_only_that(model: EditModel) -> None:
    model.set_caption(G, "shop", "b.jpg", "Back view")
    assert model.caption(G, "shop", "b.jpg") == "Back view"
    assert model.shop_caption(G, "shop", "b.jpg") == "B"
    assert rows(model.changes) == [
        {
            "guid": G,
            "gallery": "shop",
            "name": "b.jpg",
            "priority": None,
            "description": "Back view",
        },
    ]
    assert model.state(G, "shop", "b.jpg") == "edited"
    assert model.edited_fields(G, "shop", "b.jpg") == ["description"]
    assert model.pending_count == 1
    assert model.pending_products == [G]


def test_caption_back_to_the_shop_value_is_no_change(model: EditModel) -> None:
    model.set_caption(G, "shop", "b.jpg", "x")
    model.set_caption(G, "shop", "b.jpg", "B")
    model.set_caption(G, "shop", "c.jpg", "")  # no caption and an empty one are the same
    model.set_caption(G, "shop", "c.jpg", None)
    assert model.changes.empty
    assert model.state(G, "shop", "b.jpg") is None


def test_language_rides_in_the_changes() -> None:
    m = EditModel(language="en")
    m.load(frame(SHOP), complete=True)
    m.set_caption(G, "shop", "a.jpg", "Front")
    assert list(m.changes["language"]) == ["en"]


def in_language(photos: list[Photo], *languages: str | None) -> pd.DataFrame:
    """``frame(photos)`` with a language column, one language per row in turn."""
    out = frame(photos)
    out["language"] = pd.array(
        [languages[i % len(languages)] for i in range(len(out))], dtype="string"
    )
    return out


def test_a_frame_in_another_language_than_the_models_is_refused() -> None:
    default = EditModel()
    with pytest.raises(FrameError, match=r"captions in 'sk', but this model edits the shop's"):
        default.load(in_language(SHOP, "sk"), complete=True)
    assert default.keys == []  # nothing loaded
    slovak = EditModel(language="sk")
    with pytest.raises(FrameError, match=r"the shop's default language \(<NA>\), but .* 'sk'"):
        slovak.load(in_language(SHOP, None), complete=True)
    slovak.load(in_language(SHOP, "sk"), complete=True)
    slovak.load(in_language(SHOP[:1], "sk"))  # a caption worklist in that language
    slovak.set_caption(G, "shop", "a.jpg", "Predok")
    assert rows(slovak.changes)[0]["language"] == "sk"


def test_frame_language_names_the_languages_of_a_mixed_frame() -> None:
    assert frame_language(frame(SHOP)) is None  # no column: the shop's default
    assert frame_language(in_language(SHOP, None)) is None
    assert frame_language(in_language(SHOP, "sk")) == "sk"
    with pytest.raises(FrameError, match=r"several languages \('en', 'sk', the shop's default"):
        frame_language(in_language(SHOP, "sk", None, "en"))
    with pytest.raises(FrameError, match="several languages"):
        EditModel().load(in_language(SHOP, None, "sk"))


def test_bad_frames_and_names_are_refused(model: EditModel) -> None:
    with pytest.raises(FrameError, match="lacks the column"):
        model.load(pd.DataFrame({"guid": [G], "name": ["a.jpg"]}))
    with pytest.raises(FrameError, match="appears twice"):
        model.load(frame([("a.jpg", 1, ""), ("a.jpg", 2, "")]))
    with pytest.raises(FrameError, match="DataFrame"):
        model.load([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"no image 'x\.jpg'"):
        model.set_caption(G, "shop", "x.jpg", "t")
    with pytest.raises(ArgumentError, match="not loaded"):
        model.order("other", "shop")
    with pytest.raises(ArgumentError, match="every photo"):
        model.set_order(G, "shop", ["a.jpg", "b.jpg"])
    with pytest.raises(ArgumentError, match="no conflict"):
        model.keep_mine(G, "shop", "a.jpg")
    with pytest.raises(ArgumentError, match="unknown field"):
        model.take_theirs(G, "shop", "a.jpg", "priority")


# -- rebasing: the shop as it is now -------------------------------------------------------------


def test_reload_keeps_an_edit_and_takes_the_shop_elsewhere(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "mine")
    model.load(frame(changed(SHOP, "b.jpg", description="colleague")), complete=True)
    assert model.caption(G, "shop", "a.jpg") == "mine"
    assert model.caption(G, "shop", "b.jpg") == "colleague"
    assert list(model.changes["name"]) == ["a.jpg"]
    assert model.conflicts.empty


def test_an_edit_the_shop_now_agrees_with_disappears(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "same")
    model.move(G, "shop", "d.jpg", 1)
    shop = changed(SHOP, "a.jpg", description="same")
    shop = changed(shop, "d.jpg", priority=0)
    model.load(frame(shop), complete=True)
    assert model.changes.empty
    assert model.pending_count == 0
    assert model.order(G, "shop")[0] == "d.jpg"


def test_caption_changed_underneath_is_a_conflict_and_is_not_sent(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "mine")
    model.set_caption(G, "shop", "b.jpg", "also mine")
    model.load(frame(changed(SHOP, "a.jpg", description="theirs")), complete=True)
    assert rows(model.conflicts) == [
        {
            "guid": G,
            "gallery": "shop",
            "name": "a.jpg",
            "field": "description",
            "yours": "mine",
            "theirs": "theirs",
        }
    ]
    assert list(model.changes["name"]) == ["b.jpg"]  # the conflicted edit is held back
    assert model.caption(G, "shop", "a.jpg") == "mine"  # and still shown
    assert model.state(G, "shop", "a.jpg") == "conflict"
    assert model.conflict_fields(G, "shop", "a.jpg") == ["description"]
    assert model.pending_count == 2


def test_keep_mine_sends_the_edit_and_take_theirs_drops_it(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "mine")
    model.set_caption(G, "shop", "b.jpg", "mine too")
    shop = changed(changed(SHOP, "a.jpg", description="x"), "b.jpg", description="y")
    model.load(frame(shop), complete=True)
    model.keep_mine(G, "shop", "a.jpg")
    model.take_theirs(G, "shop", "b.jpg", "description")
    assert model.conflicts.empty
    assert rows(model.changes)[0]["description"] == "mine"
    assert list(model.changes["name"]) == ["a.jpg"]
    assert model.caption(G, "shop", "b.jpg") == "y"
    # A later change in the shop is a conflict again: mine was kept against "x" only.
    model.load(frame(changed(shop, "a.jpg", description="z")), complete=True)
    assert list(model.conflicts["theirs"]) == ["z"]


def test_a_conflict_goes_away_when_the_shop_changes_back(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "mine")
    model.load(frame(changed(SHOP, "a.jpg", description="theirs")), complete=True)
    model.load(frame(SHOP), complete=True)
    assert model.conflicts.empty
    assert list(model.changes["name"]) == ["a.jpg"]


def test_reload_after_a_revert_shows_the_shop_not_the_last_order(model: EditModel) -> None:
    # Defect 1 of issue 9 in model terms: no edit pending, so a reload shows the shop as is.
    model.load(frame(changed(SHOP, "b.jpg", priority=0)), complete=True)
    assert model.order(G, "shop")[0] == "b.jpg"
    model.load(frame(SHOP), complete=True)
    assert model.order(G, "shop") == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert model.changes.empty


def test_order_changed_underneath_a_pending_move_is_a_conflict(model: EditModel) -> None:
    model.move(G, "shop", "c.jpg", 1)
    assert model.order(G, "shop") == ["c.jpg", "a.jpg", "b.jpg", "d.jpg"]
    assert not model.changes.empty
    # A colleague puts d first in the admin.
    shop = changed(SHOP, "d.jpg", priority=0)
    model.load(frame(shop), complete=True)
    conflicts = model.conflicts
    assert set(conflicts["field"]) == {"order"}
    # A row per photo your order would write (c.jpg keeps its 3; the others go behind it).
    assert set(conflicts["name"]) == {"a.jpg", "b.jpg", "d.jpg"}
    mine, theirs = ["c.jpg", "a.jpg", "b.jpg", "d.jpg"], ["d.jpg", "a.jpg", "b.jpg", "c.jpg"]
    for row in conflicts.itertuples():
        assert (row.yours, row.theirs) == (
            str(mine.index(row.name) + 1),
            str(theirs.index(row.name) + 1),
        )
    assert model.changes.empty  # the old order is not put back behind the colleague's back
    assert model.state(G, "shop", "d.jpg") == "conflict"
    model.take_theirs(G, "shop", "d.jpg")
    assert model.order(G, "shop") == ["d.jpg", "a.jpg", "b.jpg", "c.jpg"]
    assert model.pending_count == 0


def test_keep_mine_on_the_order_sends_it(model: EditModel) -> None:
    model.move(G, "shop", "c.jpg", 1)
    model.load(frame(changed(SHOP, "d.jpg", priority=0)), complete=True)
    model.keep_mine(G, "shop", "d.jpg", "order")
    assert model.conflicts.empty
    wanted = model.order(G, "shop")
    assert wanted[0] == "c.jpg"
    writes = dict(zip(model.changes["name"], model.changes["priority"], strict=True))
    after = {n: p for n, p, _ in changed(SHOP, "d.jpg", priority=0)} | writes
    assert shop_order(after) == wanted


def test_priorities_renumbered_without_a_new_order_are_no_conflict(model: EditModel) -> None:
    model.move(G, "shop", "c.jpg", 1)
    renumbered = [(n, p * 10 if p else p, d) for n, p, d in SHOP]
    model.load(frame(renumbered), complete=True)
    assert model.conflicts.empty
    assert model.order(G, "shop")[0] == "c.jpg"
    writes = dict(zip(model.changes["name"], model.changes["priority"], strict=True))
    after = {n: p for n, p, _ in renumbered} | writes
    assert shop_order(after) == model.order(G, "shop")


def test_photos_added_and_removed_in_the_shop(model: EditModel) -> None:
    model.move(G, "shop", "d.jpg", 1)
    model.set_caption(G, "shop", "b.jpg", "gone soon")
    shop = [p for p in SHOP if p[0] != "b.jpg"] + [("e.jpg", 3, "new")]
    model.load(frame(shop), complete=True)
    order = model.order(G, "shop")
    assert order == ["d.jpg", "a.jpg", "c.jpg", "e.jpg"]  # e where the shop has it
    assert "b.jpg" not in set(model.changes["name"])
    # e.jpg ties with c.jpg in the shop: the reordered gallery must not rest on that tie, so
    # one of the two is written (one write, not both), and the numbers alone give the order.
    writes = dict(zip(model.changes["name"], model.changes["priority"], strict=True))
    assert len({"c.jpg", "e.jpg"} & set(writes)) == 1
    after = {n: p for n, p, _ in shop} | writes
    assert len(set(after.values())) == len(after)
    assert shop_order(after) == order


def test_a_partial_frame_updates_only_its_photos() -> None:
    m = EditModel()
    m.load(frame(SHOP[:2]))  # a caption worklist holds some photos only
    m.set_caption(G, "shop", "a.jpg", "mine")
    m.load(frame([("b.jpg", 2, "shop now")]))
    assert m.names(G, "shop") == ["a.jpg", "b.jpg"]
    assert m.caption(G, "shop", "b.jpg") == "shop now"
    assert list(m.changes["name"]) == ["a.jpg"]
    with pytest.raises(ArgumentError, match="only some of its"):
        m.move(G, "shop", "b.jpg", 1)
    m.load(frame(SHOP), complete=True)
    m.move(G, "shop", "b.jpg", 1)  # whole now
    assert m.order(G, "shop")[0] == "b.jpg"


# -- undo ---------------------------------------------------------------------------------------


def test_undo_takes_back_the_last_action(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "f")
    model.set_caption(G, "shop", "a.jpg", "fr")
    model.set_caption(G, "shop", "a.jpg", "front")  # typing: one step
    model.move(G, "shop", "d.jpg", 1)
    model.move(G, "shop", "d.jpg", 1)  # changes nothing: no step
    model.set_caption(G, "shop", "b.jpg", "back")
    assert model.can_undo
    done = model.undo()
    assert done is not None
    assert (done.kind, done.names) == ("caption", ("b.jpg",))
    assert model.caption(G, "shop", "b.jpg") == "B"
    done = model.undo()
    assert done is not None
    assert done.kind == "order"
    assert model.order(G, "shop") == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert model.caption(G, "shop", "a.jpg") == "front"
    done = model.undo()
    assert done is not None
    assert done.label == "caption of a.jpg"
    assert model.changes.empty
    assert model.undo() is None
    assert not model.can_undo


def test_typing_in_another_field_starts_a_new_step(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "one")
    model.set_caption(G, "shop", "b.jpg", "two")
    model.set_caption(G, "shop", "a.jpg", "one more")
    model.undo()
    assert model.caption(G, "shop", "a.jpg") == "one"
    assert model.caption(G, "shop", "b.jpg") == "two"


def test_reset_is_undoable_and_can_be_limited_to_a_product() -> None:
    m = EditModel()
    m.load(pd.concat([frame(SHOP), frame(SHOP, guid="g2")]), complete=True)
    m.set_caption(G, "shop", "a.jpg", "one")
    m.move("g2", "shop", "d.jpg", 1)
    assert m.pending_products == [G, "g2"]
    m.reset("g2")
    assert m.pending_products == [G]
    m.reset()
    assert m.pending_count == 0
    m.undo()
    assert m.pending_products == [G]
    m.undo()
    assert m.pending_products == [G, "g2"]
    assert m.order("g2", "shop")[0] == "d.jpg"


def test_undo_is_checked_against_the_shop_as_now(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "mine")
    model.reset()
    model.load(frame(changed(SHOP, "a.jpg", description="theirs")), complete=True)
    model.undo()  # the edit comes back, but the shop moved on: a conflict, not an overwrite
    assert list(model.conflicts["name"]) == ["a.jpg"]
    assert model.changes.empty


def test_discard_forgets_one_photo(model: EditModel) -> None:
    model.move(G, "shop", "d.jpg", 1)
    model.set_caption(G, "shop", "d.jpg", "x")
    model.set_caption(G, "shop", "a.jpg", "y")
    model.discard(G, "shop", "d.jpg")
    assert model.order(G, "shop") == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert list(model.changes["name"]) == ["a.jpg"]
    model.undo()
    assert model.order(G, "shop")[0] == "d.jpg"


def test_resolving_a_conflict_is_undoable(model: EditModel) -> None:
    model.set_caption(G, "shop", "a.jpg", "mine")
    model.load(frame(changed(SHOP, "a.jpg", description="theirs")), complete=True)
    model.take_theirs(G, "shop", "a.jpg")
    assert model.pending_count == 0
    model.undo()
    assert model.state(G, "shop", "a.jpg") == "conflict"


# -- saving -------------------------------------------------------------------------------------


@pytest.fixture
def shop() -> Any:
    return sn.sandbox(seed=0, products=12, limits=False)


def a_product(client: Any, low: int = 5) -> str:
    for product in client.sandbox.products():
        if len(client.sandbox.images(product["guid"])) >= low:
            return str(product["guid"])
    raise AssertionError("the sandbox catalogue changed: pick another product")


def save(client: Any, model: EditModel) -> Any:
    keys = set(zip(model.changes["guid"], model.changes["gallery"], strict=True))
    plan = sn.plan_updates(client, model.changes, base=model.base_frame(keys), progress=False)
    result = sn.apply(plan, journal=False, progress=False)
    model.record(result)
    return result


def test_save_revert_reload_leaves_nothing_pending(shop: Any) -> None:
    guid = a_product(shop)
    model = EditModel()
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    first, second = model.order(guid, "shop")[:2]
    model.move(guid, "shop", second, 1)
    model.set_caption(guid, "shop", first, "saved caption")
    result = save(shop, model)
    assert result.counts["failed"] == 0
    assert model.pending_count == 0
    assert model.state(guid, "shop", first) == "saved"
    assert model.order(guid, "shop")[:2] == [second, first]
    assert not model.can_undo
    sn.revert(result, journal=False, progress=False)
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    assert model.changes.empty
    assert model.order(guid, "shop")[:2] == [first, second]


def test_a_failed_save_keeps_the_edit_and_says_why(shop: Any) -> None:
    guid = a_product(shop)
    model = EditModel()
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    name = model.order(guid, "shop")[0]
    model.set_caption(guid, "shop", name, "mine")
    shop.sandbox.set_image(guid, "shop", name, description="a colleague's")
    save(shop, model)  # apply's own check: the caption changed since the base was read
    outcome = model.outcome(guid, "shop", name)
    assert outcome is not None
    assert outcome.status == "conflict"
    assert model.state(guid, "shop", name) == "failed"
    assert model.caption(guid, "shop", name) == "mine"
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    assert model.state(guid, "shop", name) == "conflict"
    assert list(model.conflicts["theirs"]) == ["a colleague's"]
    model.set_caption(guid, "shop", name, "mine, again")
    assert model.outcome(guid, "shop", name) is None


def test_one_move_in_a_gapped_gallery_is_one_write() -> None:
    model = EditModel()
    model.load(frame([(n, p * 10 if p else p, d) for n, p, d in SHOP]), complete=True)
    model.move(G, "shop", "c.jpg", 2)
    assert rows(model.changes) == [
        {"guid": G, "gallery": "shop", "name": "c.jpg", "priority": 15, "description": None}
    ]
    assert model.pending_count == 1


def test_record_of_a_partly_saved_order_is_no_conflict() -> None:
    model = EditModel()
    model.load(frame(SHOP), complete=True)
    model.set_order(G, "shop", ["d.jpg", "c.jpg", "a.jpg", "b.jpg"])
    writes = dict(zip(model.changes["name"], model.changes["priority"], strict=True))
    assert len(writes) >= 2
    saved, failed = sorted(writes)[0], sorted(writes)[1]
    result = SimpleNamespace(
        rows=pd.DataFrame(
            [
                {"guid": G, "gallery": "shop", "name": saved, "status": "updated",
                 "new_priority": writes[saved], "new_description": None},
                {"guid": G, "gallery": "shop", "name": failed, "status": "failed",
                 "message": "boom", "http_status": 500, "new_priority": writes[failed],
                 "new_description": None},
            ]
        ),
        images=pd.DataFrame(),
    )  # fmt: skip
    model.record(result)
    assert model.conflicts.empty
    assert model.order(G, "shop") == ["d.jpg", "c.jpg", "a.jpg", "b.jpg"]
    assert model.state(G, "shop", failed) == "failed"
    outcome = model.outcome(G, "shop", failed)
    assert outcome is not None
    assert (outcome.message, outcome.http_status) == ("boom", 500)
    assert saved not in set(model.changes["name"])


def test_saved_badge_goes_when_the_shop_moves_on(shop: Any) -> None:
    guid = a_product(shop)
    model = EditModel()
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    first, second = model.order(guid, "shop")[:2]
    model.set_caption(guid, "shop", first, "one")
    model.set_caption(guid, "shop", second, "two")
    result = save(shop, model)
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    assert model.state(guid, "shop", first) == "saved"  # a plain reload keeps it
    shop.sandbox.set_image(guid, "shop", second, description="changed again")
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    assert model.state(guid, "shop", second) is None
    assert model.state(guid, "shop", first) == "saved"
    sn.revert(result, journal=False, progress=False, force=True)
    model.load(sn.read_images(shop, [guid], progress=False), complete=True)
    assert model.state(guid, "shop", first) is None
    assert model.pending_count == 0


def test_set_captions_is_one_undoable_action_over_galleries(model: EditModel) -> None:
    model.load(frame(SHOP, guid="g2"), complete=True)
    model.set_caption(G, "shop", "d.jpg", "typed first")
    model.set_captions(
        {
            (G, "shop", "a.jpg"): "bulk A",
            ("g2", "shop", "b.jpg"): "bulk B",
            (G, "shop", "c.jpg"): "",
        },
        label="fill from a template",
    )
    assert model.caption(G, "shop", "a.jpg") == "bulk A"
    assert model.caption("g2", "shop", "b.jpg") == "bulk B"
    assert model.pending_count == 3  # c.jpg had no caption: "" changes nothing
    done = model.undo()
    assert done is not None
    assert (done.kind, done.label) == ("captions", "fill from a template")
    assert model.caption(G, "shop", "a.jpg") == "A"
    assert model.caption("g2", "shop", "b.jpg") == "B"
    assert rows(model.changes) == [
        {
            "guid": G,
            "gallery": "shop",
            "name": "d.jpg",
            "priority": None,
            "description": "typed first",
        }
    ]
    with pytest.raises(ArgumentError, match=r"no image 'x\.jpg'"):
        model.set_captions({(G, "shop", "x.jpg"): "nope"})
    assert model.caption(G, "shop", "a.jpg") == "A"  # nothing half-done


def test_base_frame_of_a_gallery_without_change_times_is_typed() -> None:
    # Shops have photos without a changeTime: a gallery (or the part of it a worklist loads)
    # where none has one must still give a base frame, with a UTC change_time column.
    model = EditModel()
    photos = frame(SHOP[:2])
    photos["change_time"] = pd.Series(pd.NaT, index=photos.index, dtype="datetime64[ns, UTC]")
    model.load(photos)
    base = model.base_frame()
    assert str(base["change_time"].dtype) == "datetime64[ns, UTC]"
    assert base["change_time"].isna().all()
    assert list(base["name"]) == ["a.jpg", "b.jpg"]


def test_a_null_caption_is_no_caption_not_the_text_na(model: EditModel) -> None:
    # c.jpg has no caption: setting a frame's null (<NA>, NaN) leaves nothing pending.
    for null in (pd.NA, float("nan"), None):
        model.set_caption(G, "shop", "c.jpg", null)  # type: ignore[arg-type]
        assert model.changes.empty
    model.set_caption(G, "shop", "a.jpg", pd.NA)  # type: ignore[arg-type]
    assert model.caption(G, "shop", "a.jpg") == ""  # cleared, as None and "" do
