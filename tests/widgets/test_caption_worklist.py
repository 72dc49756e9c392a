"""CaptionWorklist at the Python level, against the in-process sandbox (no browser).

The view's handlers (``vue_*``) are called the way the browser calls them; the shop's own state
(``client.sandbox``) is the oracle for what a save wrote.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.editing.inputs import clean_caption
from shoptet_nb.editing.loading import Photo as Key
from shoptet_nb.errors import ArgumentError, FrameError, NetworkError
from shoptet_nb.widgets.base import photo_id as row_id
from shoptet_nb.widgets.caption_worklist import CaptionWorklist

from helpers import IMAGES, calls, products_with_images, read, server_image


@pytest.fixture
def client() -> Any:
    return sn.sandbox(seed=3, products=12, limits=False)


@pytest.fixture
def images(client: Any) -> pd.DataFrame:
    return read(client, products_with_images(client, 3, min_images=4))


def first_rows(frame: pd.DataFrame, n: int) -> list[tuple[str, str, str]]:
    return [
        (str(g), str(gal), str(name))
        for g, gal, name in frame[["guid", "gallery", "name"]].head(n).itertuples(index=False)
    ]


# -- building the grid ---------------------------------------------------------------------------


def test_a_read_images_slice_needs_no_request_and_keeps_its_order(
    client: Any, images: pd.DataFrame
) -> None:
    part = images.iloc[[5, 0, 3]]
    before = calls(client, "GET", IMAGES)
    worklist = CaptionWorklist(client, part, journal=False)
    assert calls(client, "GET", IMAGES) == before
    rows = worklist.rows
    assert list(rows["name"]) == list(part["name"])
    assert list(rows["description"].fillna("")) == list(part["description"].fillna(""))
    assert list(rows["product_name"]) == list(part["product_name"])
    assert rows["state"].isna().all()
    assert worklist.changes.empty


def test_lint_findings_become_one_row_per_photo_read_once_per_gallery(
    client: Any, images: pd.DataFrame
) -> None:
    findings = sn.lint_captions(images)
    photos = findings[["guid", "gallery", "name"]].drop_duplicates()
    assert len(photos) < len(findings)  # some photos have several findings
    galleries = photos[["guid", "gallery"]].drop_duplicates()
    before = calls(client, "GET", IMAGES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # several findings per photo are no "duplicate"
        worklist = CaptionWorklist(client, findings, journal=False)
    assert calls(client, "GET", IMAGES) - before == len(galleries)
    rows = worklist.rows
    assert len(rows) == len(photos)
    assert rows["product_name"].notna().all()
    expected = findings.groupby(["guid", "name"], sort=False)["rule"].apply(set)
    for _, row in rows.iterrows():
        assert set(str(row["rules"]).split(",")) == expected[(row["guid"], row["name"])]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"guid": ["g"], "name": ["a.jpg"]}), "lacks the column.* gallery"),
        (pd.DataFrame({"guid": ["g", None], "gallery": "shop", "name": "a.jpg"}), "has no guid"),
        (pd.DataFrame({"guid": ["g"], "gallery": "shop", "name": [" "]}), "has no name"),
        (pd.DataFrame({"guid": ["g"], "gallery": "photos", "name": ["a"]}), "unknown gallery"),
        ([("g", "shop", "a.jpg")], "needs a DataFrame"),
    ],
)
def test_bad_frames_are_refused_before_any_request(client: Any, frame: Any, message: str) -> None:
    before = sum(client.sandbox.stats()["requests"].values())
    with pytest.raises(FrameError, match=message):
        CaptionWorklist(client, frame)
    assert sum(client.sandbox.stats()["requests"].values()) == before


def test_bad_max_length_is_refused(client: Any, images: pd.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="max_length"):
        CaptionWorklist(client, images, max_length=0)


def test_duplicate_keys_give_one_row_and_a_warning(client: Any, images: pd.DataFrame) -> None:
    doubled = pd.concat([images.head(3), images.head(2)])
    with pytest.warns(UserWarning, match="2 repeated photo"):
        worklist = CaptionWorklist(client, doubled, journal=False)
    assert len(worklist.rows) == 3


def test_a_photo_not_in_the_shop_keeps_a_row_that_says_so(
    client: Any, images: pd.DataFrame
) -> None:
    frame = images.head(2)[["guid", "gallery", "name"]].copy()
    frame.loc[len(frame)] = [images["guid"].iloc[0], "shop", "gone.jpg"]
    worklist = CaptionWorklist(client, frame, journal=False)
    gone = worklist.rows.iloc[-1]
    assert (gone["name"], gone["state"]) == ("gone.jpg", "missing")
    assert gone["message"] == "Not in the shop"
    with pytest.raises(ArgumentError, match="Not in the shop"):
        worklist.set_caption(str(gone["guid"]), "gone.jpg", "x")


# -- editing -------------------------------------------------------------------------------------


def test_set_caption_is_a_pending_change_and_only_that(client: Any, images: pd.DataFrame) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    guid, gallery, name = first_rows(images, 1)[0]
    worklist.set_caption(guid, name, "Front view", gallery=gallery)
    changes = worklist.changes
    assert list(changes["name"]) == [name]
    assert changes["description"].iloc[0] == "Front view"
    assert changes["priority"].isna().all()
    assert worklist.pending_text == "1 unsaved change"
    row = worklist.rows.iloc[0]
    assert (row["description"], row["state"]) == ("Front view", "edited")
    # Back to the shop's caption: nothing pending.
    worklist.set_caption(guid, name, images["description"].iloc[0], gallery=gallery)
    assert worklist.changes.empty
    with pytest.raises(ArgumentError, match=r"no photo 'nope\.jpg'"):
        worklist.set_caption(guid, "nope.jpg", "x")


def test_the_view_sends_drafts_only_with_its_messages(client: Any, images: pd.DataFrame) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    keys = first_rows(images, 2)
    drafts = {row_id(keys[0]): "One", row_id(keys[1]): "Two"}
    worklist.vue_set_caption({"captions": drafts})
    assert set(worklist.changes["description"]) == {"One", "Two"}
    assert set(worklist.row_updates) >= {"0", "1"}  # only the touched rows are pushed
    assert worklist.row_updates["0"]["c"] == "One"


def test_bulk_actions_touch_only_the_chosen_rows_and_undo_as_one(
    client: Any, images: pd.DataFrame
) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    keys = first_rows(images, 3)
    changed = worklist.fill_from_template("{product_name} – {stem}", keys[:2])
    assert changed == 2
    product = str(images["product_name"].iloc[0])
    stem = keys[0][2].rsplit(".", 1)[0]
    assert worklist.rows["description"].iloc[0] == f"{product} – {stem}"
    assert worklist.rows["description"].iloc[2] == (images["description"].iloc[2] or "")
    worklist.undo()
    assert worklist.changes.empty
    with pytest.raises(FrameError, match="unknown placeholder"):
        worklist.fill_from_template("{nope}", keys)

    worklist.set_caption(keys[2][0], keys[2][2], "  Side   view <b>", gallery=keys[2][1])
    assert worklist.trim_whitespace([keys[2]]) == 1
    assert worklist.rows["description"].iloc[2] == "Side view <b>"
    assert worklist.take_suggestions([keys[2]]) == 1
    assert worklist.rows["description"].iloc[2] == "Side view"
    worklist.undo()
    assert worklist.rows["description"].iloc[2] == "Side view <b>"
    with pytest.raises(ArgumentError, match="not in this worklist"):
        worklist.trim_whitespace([("x", "shop", "y.jpg")])


def test_a_suggestion_column_is_offered(client: Any, images: pd.DataFrame) -> None:
    frame = images.head(2).assign(suggestion=["Suggested one", None])
    worklist = CaptionWorklist(client, frame, journal=False)
    assert worklist.rows_data[0]["y"] == "Suggested one"
    assert worklist.take_suggestions() >= 1
    assert worklist.rows["description"].iloc[0] == "Suggested one"


def test_clean_caption() -> None:
    assert clean_caption("  Red <b>bag</b>&amp;co  ") == "Red bag &co"


# -- saving --------------------------------------------------------------------------------------


def test_save_writes_only_the_edited_captions_and_marks_the_rows(
    client: Any, images: pd.DataFrame
) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    keys = first_rows(images, 2)
    before = {k: server_image(client, k[0], k[2]) for k in first_rows(images, len(images))}
    worklist.set_caption(keys[0][0], keys[0][2], "Saved caption")
    patches = calls(client, "PATCH", IMAGES)
    result = worklist.save()
    assert result is not None
    assert result.counts["updated"] == 1
    assert calls(client, "PATCH", IMAGES) - patches == 1
    assert worklist.result is result
    for key, old in before.items():
        now = server_image(client, key[0], key[2])
        expected = "Saved caption" if key == keys[0] else old["description"]
        assert now["description"] == expected
        assert now["priority"] == old["priority"]
    row = worklist.rows.iloc[0]
    assert (row["state"], row["message"]) == ("saved", "Saved")
    assert worklist.changes.empty
    # A second save right away has nothing to send (and no false conflict with itself).
    worklist.set_caption(keys[0][0], keys[0][2], "Saved twice")
    assert worklist.save().counts["updated"] == 1  # type: ignore[union-attr]
    assert worklist.save() is None


def test_a_colleagues_change_is_a_conflict_not_an_overwrite(
    client: Any, images: pd.DataFrame
) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    mine, other = first_rows(images, 2)
    worklist.set_caption(mine[0], mine[2], "Mine")
    worklist.set_caption(other[0], other[2], "Also mine")
    client.sandbox.set_image(mine[0], mine[1], mine[2], description="Theirs")
    result = worklist.save()
    assert result is not None
    statuses = dict(zip(result.rows["name"], result.rows["status"], strict=True))
    assert statuses == {mine[2]: "conflict", other[2]: "updated"}
    assert server_image(client, mine[0], mine[2])["description"] == "Theirs"
    assert server_image(client, other[0], other[2])["description"] == "Also mine"
    conflicts = worklist.conflicts
    assert list(zip(conflicts["name"], conflicts["yours"], conflicts["theirs"], strict=True)) == [
        (mine[2], "Mine", "Theirs")
    ]
    assert worklist.rows.iloc[0]["state"] == "conflict"
    assert "Theirs" in str(worklist.rows.iloc[0]["message"])
    assert worklist.pending_text == "1 unsaved change (1 in conflict)"  # as in the editor
    # Not sent until resolved; keep mine sends it.
    assert worklist.save() is None
    worklist.vue_keep_mine({"key": row_id(mine)})
    worklist.save()
    assert server_image(client, mine[0], mine[2])["description"] == "Mine"


def test_reload_shows_a_conflict_and_take_theirs_drops_the_edit(
    client: Any, images: pd.DataFrame
) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    key = first_rows(images, 1)[0]
    worklist.set_caption(key[0], key[2], "Mine")
    client.sandbox.set_image(key[0], key[1], key[2], description="Theirs")
    worklist.refresh()
    assert list(worklist.conflicts["theirs"]) == ["Theirs"]
    assert worklist.changes.empty
    worklist.take_theirs(key[0], key[2])
    assert worklist.rows.iloc[0]["description"] == "Theirs"
    assert worklist.pending == 0


def test_a_server_failure_keeps_the_edit_with_the_servers_message(
    client: Any, images: pd.DataFrame
) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    key = first_rows(images, 1)[0]
    worklist.set_caption(key[0], key[2], "Will fail")
    client.sandbox.set_options(fault_rate=1.0, fault_weights={"500": 1.0})
    try:
        worklist.vue_save({"captions": {}})
    finally:
        client.sandbox.set_options(fault_rate=0.0)
    row = worklist.rows.iloc[0]
    assert row["state"] == "failed"
    assert "HTTP 500" in str(row["message"])
    assert worklist.pending == 1
    assert "edits are kept" in worklist.notice
    worklist.save()
    assert server_image(client, key[0], key[2])["description"] == "Will fail"


def test_preview_plans_without_writing(client: Any, images: pd.DataFrame) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    key = first_rows(images, 1)[0]
    worklist.set_caption(key[0], key[2], "<b>bold</b>")
    patches = calls(client, "PATCH", IMAGES)
    plan = worklist.preview()
    assert plan.counts["would_update"] == 1
    assert worklist.preview_open
    assert worklist.preview_rows[0]["new"] == "<b>bold</b>"
    assert calls(client, "PATCH", IMAGES) == patches
    assert "&lt;b&gt;" in worklist._repr_html_()  # escaped in the static view
    assert "<b>bold" not in worklist._repr_html_()


def test_thumbnails_come_lazily_as_data_uris(client: Any, images: pd.DataFrame) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    assert worklist.thumbs == {}
    wanted = [row_id(k) for k in first_rows(images, 2)]
    worklist.vue_want_thumbs({"keys": wanted})
    assert sorted(worklist.thumbs) == sorted(wanted)
    assert all(v.startswith("data:image/") for v in worklist.thumbs.values())


def test_reset_forgets_every_edit(client: Any, images: pd.DataFrame) -> None:
    worklist = CaptionWorklist(client, images, journal=False)
    for key in first_rows(images, 3):
        worklist.set_caption(key[0], key[2], "x " + key[2])
    worklist.vue_reset({"captions": {}})
    assert worklist.changes.empty
    assert worklist.pending_text == "No unsaved changes"


def test_the_widget_is_a_lazy_attribute_of_the_package() -> None:
    assert sn.CaptionWorklist is CaptionWorklist
    # listed for tab completion, loaded on first use (test_public_api checks the import)
    assert "CaptionWorklist" in sn.__all__


def test_browser_hints_use_the_lint_modules_rules(client: Any, images: pd.DataFrame) -> None:
    from shoptet_nb.lint import LINT_RULES, RULE_PATTERNS

    worklist = CaptionWorklist(client, images.head(2), journal=False)
    assert [r["rule"] for r in worklist.rules] == list(LINT_RULES)
    assert {r["rule"]: r["message"] for r in worklist.rules} == LINT_RULES
    assert {r["rule"]: r["pattern"] for r in worklist.rules if r["pattern"]} == RULE_PATTERNS
    from shoptet_nb.widgets.vue_parts import part_sources

    vue = (Path(sn.__file__).parent / "widgets" / "caption_worklist.vue").read_text()
    vue += "\n".join(part_sources().values())  # the shared parts its template uses
    assert "v-html" not in vue  # captions are user data: always text
    for pattern in RULE_PATTERNS.values():
        assert pattern not in vue  # one definition: the patterns come from the kernel


def test_duplicates_count_the_whole_gallery_when_it_was_read(client: Any) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    first, second = (i["name"] for i in client.sandbox.images(guid, "shop")[:2])
    client.sandbox.set_image(guid, "shop", first, description="Same words")
    client.sandbox.set_image(guid, "shop", second, description="Same words")
    # Only the first photo is in the worklist; its twin is elsewhere in the gallery.
    frame = pd.DataFrame({"guid": [guid], "gallery": ["shop"], "name": [first]})
    worklist = CaptionWorklist(client, frame, journal=False)
    assert worklist.rows["rules"].iloc[0] == "duplicate"
    worklist.set_caption(guid, first, "Different words")
    assert worklist.rows["rules"].iloc[0] == ""
    assert worklist.fill_from_template("photo {n} of {count}") == 1
    count = len(client.sandbox.images(guid, "shop"))
    position = [i["name"] for i in client.sandbox.images(guid, "shop")].index(first) + 1
    assert worklist.rows["description"].iloc[0] == f"photo {position} of {count}"


@pytest.mark.parametrize("landed", [True, False])
def test_an_interrupted_save_keeps_what_was_sent_and_the_rest_pending(
    client: Any, images: pd.DataFrame, landed: bool
) -> None:
    class Interrupted(KeyboardInterrupt):  # what shoptet_nb raises: the partial Result on it
        def __init__(self, result: Any) -> None:
            super().__init__("interrupted")
            self.result = result

    def interrupt(plan: Any, **kwargs: Any) -> Any:
        raise Interrupted(sn.apply(plan, **kwargs) if landed else None)

    session = sn.EditSession(client, journal=False, apply=interrupt)
    worklist = CaptionWorklist(client, images, session=session)
    key = first_rows(images, 1)[0]
    worklist.set_caption(key[0], key[2], "before the interrupt")
    with pytest.raises(KeyboardInterrupt):
        worklist.save()
    assert not worklist.busy
    saved = server_image(client, key[0], key[2])["description"] == "before the interrupt"
    assert saved is landed
    said = (
        "Save interrupted: 1 caption saved" if landed else "Save interrupted; your edits are kept"
    )
    assert worklist.notice.startswith(said)
    assert worklist.pending == (0 if landed else 1)
    assert worklist.rows["state"].iloc[0] == ("saved" if landed else "edited")


# -- saving in parts -----------------------------------------------------------------------------


@pytest.fixture
def wide(client: Any) -> pd.DataFrame:
    """Five products' galleries: a save in parts of two galleries takes three parts."""
    return read(client, products_with_images(client, 5, min_images=2))


class WatchedApply:
    """An apply for a session that calls ``before_each(plan, kwargs)`` first, then the real
    one; ``sent`` holds the plans sent."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.before_each: Any = lambda plan, kwargs: None

    def __call__(self, plan: Any, **kwargs: Any) -> Any:
        self.sent.append(plan)
        self.before_each(plan, kwargs)
        return sn.apply(plan, **kwargs)


def saved_in_parts_of_two(
    client: Any, frame: pd.DataFrame, n: int = 1, *, watch: WatchedApply, journal: Any = None
) -> tuple[CaptionWorklist, list[Key]]:
    """A worklist that saves two galleries a part (through ``watch``), with new captions for
    the first n photos of every product; their keys, in worklist order."""
    session = sn.EditSession(client, journal=journal, apply=watch, save_batch=2)
    worklist = CaptionWorklist(client, frame, session=session)
    assert worklist.save_batch == 2
    chosen = frame.groupby("guid", sort=False).head(n)
    keys = first_rows(chosen, len(chosen))
    for i, key in enumerate(keys):
        worklist.set_caption(key[0], key[2], f"Caption in parts {i}")
    return worklist, keys


def test_each_part_of_a_save_shows_its_outcomes_before_the_next_is_sent(
    client: Any, wide: pd.DataFrame
) -> None:
    watch = WatchedApply()
    worklist, keys = saved_in_parts_of_two(client, wide, journal=False, watch=watch)
    seen: list[tuple[dict[Key, str], dict[str, Any]]] = []

    def look(plan: Any, kwargs: dict[str, Any]) -> None:
        rows = worklist.rows.set_index(["guid", "gallery", "name"])
        seen.append(({k: str(rows.loc[k, "state"]) for k in keys}, dict(worklist.row_updates)))

    watch.before_each = look
    sent = watch.sent
    progress: list[float] = []
    worklist.observe(lambda change: progress.append(change["new"]), names="progress")
    result = worklist.save()
    assert result is not None
    assert worklist.result is result
    parts = [list(dict.fromkeys(plan.targets["guid"])) for plan in sent]
    assert [len(p) for p in parts] == [2, 2, 1]
    written: list[str] = []
    previous: list[str] = []
    for part, (states, pushed) in zip(parts, seen, strict=True):
        # Before a part is sent, the earlier parts' rows are Saved in the model, the previous
        # part's rows were just pushed to the grid, and the rest are still only edited.
        assert states == {k: "saved" if k[0] in written else "edited" for k in keys}
        for key in keys:
            if key[0] in previous:
                row = pushed[str(worklist.book.index[(*key, "")])]
                assert (row["s"], row["m"]) == ("saved", "Saved")
        written += part
        previous = part
    # One bar over the whole save: galleries written of all five, never back to zero.
    assert progress == sorted(progress)
    assert {40.0, 80.0, 100.0} <= set(progress)
    assert list(result.rows["status"]) == ["updated"] * len(keys)
    assert [tuple(r) for r in result.rows[["guid", "gallery", "name"]].to_numpy()] == keys
    assert worklist.pending == 0
    for key in keys:
        assert server_image(client, key[0], key[2])["description"].startswith("Caption in parts")


def test_the_default_part_is_ten_galleries_per_connection(client: Any) -> None:
    worklist = CaptionWorklist(client, read(client, products_with_images(client, 1)))
    assert worklist.save_batch == 10 * client.settings.max_in_flight


@pytest.mark.parametrize("undo_from", ["result", "journal file"])
def test_a_save_in_parts_writes_one_journal_that_reverts_all_of_it(
    client: Any,
    wide: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    undo_from: str,
) -> None:
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path))
    watch = WatchedApply()
    # journal=None: a new file in SHOPTET_NB_JOURNAL_DIR
    worklist, keys = saved_in_parts_of_two(client, wide, 2, watch=watch)
    before = {k: server_image(client, k[0], k[2]) for k in first_rows(wide, len(wide))}
    sent = watch.sent
    result = worklist.save()
    assert result is not None
    assert len(sent) == 3
    (journal,) = tmp_path.glob("*.jsonl")
    assert result.journal_path == journal
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    intents = {
        (e["guid"], e["gallery"], i["name"])
        for e in lines
        if e["event"] == "intent"
        for i in e["images"]
    }
    assert intents == set(keys)
    assert len(result.journal_entries) == len(lines)
    undone = (
        sn.revert(result, progress=False)
        if undo_from == "result"
        else sn.revert(journal, client=client, progress=False)
    )
    assert undone.counts["updated"] == len(keys)
    for key, old in before.items():
        now = server_image(client, key[0], key[2])
        # Shoptet cannot set a caption back to null: a restored null caption reads "".
        restored = (old["description"] or "") if key in keys else old["description"]
        assert now["description"] == restored
        assert now["priority"] == old["priority"]


def test_an_interrupt_in_part_two_keeps_part_one_and_leaves_the_rest_pending(
    client: Any, wide: pd.DataFrame
) -> None:
    watch = WatchedApply()
    worklist, keys = saved_in_parts_of_two(client, wide, journal=False, watch=watch)
    before = {k: server_image(client, k[0], k[2])["description"] for k in keys}

    def interrupt_part_two(plan: Any, kwargs: dict[str, Any]) -> None:
        if len(sent) == 2:
            # Ctrl+C as apply starts the part: its real interrupt handling runs (nothing of
            # the part goes out, Interrupted carries the partial Result).
            def stop(done: int, total: int) -> None:
                raise KeyboardInterrupt

            kwargs["progress"] = stop

    watch.before_each = interrupt_part_two
    sent = watch.sent
    with pytest.raises(sn.Interrupted) as caught:
        worklist.save()
    assert len(sent) == 2  # the third part was never sent
    assert not worklist.busy
    first = set(sent[0].targets["guid"])
    saved = [k for k in keys if k[0] in first]
    rest = [k for k in keys if k[0] not in first]
    for key in keys:
        now = server_image(client, key[0], key[2])["description"]
        if key in saved:
            assert now.startswith("Caption in parts")
        else:
            assert now == before[key]
    rows = worklist.rows.set_index(["guid", "gallery", "name"])
    assert [rows.loc[k, "state"] for k in saved] == ["saved"] * len(saved)
    assert all("not attempted" in str(rows.loc[k, "message"]) for k in rest)
    pending = worklist.changes
    assert set(zip(pending["guid"], pending["gallery"], pending["name"], strict=True)) == set(rest)
    assert worklist.notice.startswith(f"Save interrupted: {len(saved)} captions saved")
    whole = caught.value.result
    assert whole is worklist.result
    statuses = dict(zip(whole.rows["guid"], whole.rows["status"], strict=True))
    assert statuses == {k[0]: "updated" if k in saved else "not_attempted" for k in keys}
    assert "part 2 of 3" in str(caught.value)
    # Saving again sends only the rest.
    patches = calls(client, "PATCH", IMAGES)
    again = worklist.save()
    assert again is not None
    assert again.counts["updated"] == len(rest)
    assert calls(client, "PATCH", IMAGES) - patches == len(rest)
    assert worklist.pending == 0


def test_an_error_in_part_two_keeps_part_one_and_says_where_it_stopped(
    client: Any, wide: pd.DataFrame
) -> None:
    watch = WatchedApply()
    worklist, keys = saved_in_parts_of_two(client, wide, journal=False, watch=watch)

    def fail_part_two(plan: Any, kwargs: dict[str, Any]) -> None:
        if len(sent) == 2:
            raise NetworkError("the connection dropped")

    watch.before_each = fail_part_two
    sent = watch.sent
    worklist.vue_save({"captions": {}})  # the Save button: the error shows in the widget
    assert len(sent) == 2
    assert worklist.notice.startswith("The save stopped at an error in part 2 of 3")
    assert worklist.notice_type == "error"
    first = set(sent[0].targets["guid"])
    result = worklist.result
    assert result is not None
    statuses = dict(zip(result.rows["guid"], result.rows["status"], strict=True))
    second = set(sent[1].targets["guid"])
    assert statuses == {
        k[0]: "updated" if k[0] in first else "failed" if k[0] in second else "not_attempted"
        for k in keys
    }
    rows = worklist.rows.set_index(["guid", "gallery", "name"])
    assert {rows.loc[k, "state"] for k in keys if k[0] in first} == {"saved"}
    assert worklist.pending == len([k for k in keys if k[0] not in first])


def test_a_refused_token_stops_the_save_before_the_next_part(
    client: Any, wide: pd.DataFrame
) -> None:
    watch = WatchedApply()
    worklist, keys = saved_in_parts_of_two(client, wide, journal=False, watch=watch)
    worklist.save_batch = 1

    def expire_before_part_two(plan: Any, kwargs: dict[str, Any]) -> None:
        if len(sent) == 2:
            client.sandbox.expire_token("sandbox-token")

    watch.before_each = expire_before_part_two
    sent = watch.sent
    result = worklist.save()
    assert result is not None
    assert len(sent) == 2  # parts 3 to 5 were not sent: they would be refused too
    statuses = list(result.rows["status"])
    assert statuses[0] == "updated"
    assert statuses[1] in ("failed", "not_attempted")
    assert statuses[2:] == ["not_attempted"] * (len(keys) - 2)
    assert all("earlier part of the save stopped" in m for m in result.rows["message"][2:])
    assert worklist.pending == len(keys) - 1
