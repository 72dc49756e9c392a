"""One wording for the outcome of a save, in both widgets (issue "Trust holes", item 11)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import shoptet_nb as sn
from shoptet_nb.apply import RESULT_STATUSES
from shoptet_nb.editing.wording import OUTCOMES, STATUS_WORDS, photos_notice, saved_notice
from shoptet_nb.widgets import CaptionWorklist, GalleryEditor
from shoptet_nb.write.add import ADD_STATUSES
from shoptet_nb.write.delete_result import DELETE_STATUSES

from helpers import products_with_images

NOT_SENT = [s for s in RESULT_STATUSES if s not in ("updated", "unchanged", "would_update")]
#: Every status a photo add or delete of the editor can end with, and those that did the job.
PHOTO_STATUSES = set(ADD_STATUSES) | set(DELETE_STATUSES)
PHOTO_DONE = {"added", "deleted", "would_add", "would_delete"}


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path / "journal"))


def counts(**given: int) -> SimpleNamespace:
    """Something with Result's ``counts``: every status listed, as Result lists them."""
    return SimpleNamespace(counts={s: given.get(s, 0) for s in RESULT_STATUSES})


def test_every_status_that_did_not_reach_the_shop_has_its_own_words() -> None:
    assert set(STATUS_WORDS) == set(NOT_SENT) | (PHOTO_STATUSES - PHOTO_DONE)
    assert set(OUTCOMES) == {s for s in RESULT_STATUSES if s != "would_update"} | PHOTO_STATUSES


@pytest.mark.parametrize("status", sorted(PHOTO_STATUSES - PHOTO_DONE))
def test_a_photos_notice_names_each_status_once_and_a_conflict_never_failed(status: str) -> None:
    text, kind = photos_notice({"added": 1, "deleted": 2, status: 3})
    assert text.startswith("Photos: 1 added, 2 deleted; ")
    assert f"3 {STATUS_WORDS[status]}" in text
    if status != "failed":
        assert "failed" not in text
    assert kind == ("success" if status == "skipped_duplicate" else "warning")
    assert photos_notice({status: 1})[1] in ("success", "error")


@pytest.mark.parametrize("status", NOT_SENT)
def test_a_partly_saved_notice_names_each_status_as_result_counts_it(status: str) -> None:
    text, kind = saved_notice(counts(updated=1, **{status: 2}), noun="image", marked="the cards")  # type: ignore[arg-type]
    assert kind == "warning"
    assert text.startswith("Partly saved: 1 of 3 images saved; ")
    assert f"2 {STATUS_WORDS[status]}" in text
    if status != "failed":
        assert "failed" not in text


@pytest.mark.parametrize("status", NOT_SENT)
def test_nothing_saved_names_the_status(status: str) -> None:
    text, kind = saved_notice(counts(**{status: 1}), noun="caption", marked="the rows")  # type: ignore[arg-type]
    assert kind == "error"
    assert f"Nothing was saved: 1 {STATUS_WORDS[status]}" in text


def test_several_statuses_are_listed_each_once() -> None:
    text, _ = saved_notice(  # type: ignore[arg-type]
        counts(updated=3, unchanged=1, conflict=2, failed=1, not_attempted=4),
        noun="image",
        marked="the cards",
    )
    assert text.startswith("Partly saved: 4 of 11 images saved; 2 in conflict")
    assert "1 failed" in text
    assert "4 not attempted" in text


def test_all_saved() -> None:
    text, kind = saved_notice(counts(updated=2, unchanged=1), noun="caption", marked="the rows")  # type: ignore[arg-type]
    assert (text, kind) == ("Saved: 3 captions up to date in the shop.", "success")


def two_edits_one_taken_by_a_colleague(client: Any, edit: Any) -> tuple[str, str, str]:
    guid = products_with_images(client, 1, min_images=3)[0]
    names = [i["name"] for i in client.sandbox.images(guid, "shop")][:3]
    for name in names:
        edit(guid, name, f"My caption of {name}")
    client.sandbox.set_image(guid, "shop", names[0], description="A colleague's caption")
    return guid, names[0], names[1]


def test_the_editor_calls_a_conflict_met_at_save_a_conflict_once() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    editor: GalleryEditor | None = None

    def edit(guid: str, name: str, text: str) -> None:
        nonlocal editor
        editor = editor or GalleryEditor(client, product=guid, journal=False)
        editor.set_caption(name, text)

    two_edits_one_taken_by_a_colleague(client, edit)
    assert editor is not None
    result = editor.save()
    assert result is not None
    assert result.counts["conflict"] == 1
    assert result.counts["failed"] == 0
    assert editor.notice.startswith("Partly saved: 2 of 3 images saved; 1 in conflict")
    assert "failed" not in editor.notice
    assert "edit in conflict was not sent" not in editor.notice  # not counted a second time


def test_the_worklist_calls_a_conflict_met_at_save_a_conflict() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=3)[0]
    worklist = CaptionWorklist(
        client, sn.read_images(client, [guid], progress=False), journal=False
    )
    two_edits_one_taken_by_a_colleague(
        client, lambda g, name, text: worklist.set_caption(g, name, text)
    )
    result = worklist.save()
    assert result is not None
    assert result.counts["conflict"] == 1
    assert worklist.notice.startswith("Partly saved: 2 of 3 captions saved; 1 in conflict")
    assert "failed" not in worklist.notice
