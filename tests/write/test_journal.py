"""The typed journal: old files (written by the code before the write package) still read and
revert, every line decodes and encodes back to itself, and a writer's entries are typed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.write.journal import (
    Confirmed,
    ConfirmedImage,
    Failed,
    ImageState,
    Intent,
    IntentImage,
    Journal,
    decode_entries,
    decode_entry,
    read_journal,
)

# Written by main at 30dc542 (shoptet_nb/apply.py, before this package) on
# sn.sandbox(seed=7, products=6): captions in one gallery, priorities in another, an English
# caption, and a call that failed with a 500 (an intent never confirmed, then a failed line).
OLD_JOURNAL = Path(__file__).parent / "fixtures" / "journal_main_30dc542.jsonl"


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def test_every_line_of_an_old_journal_decodes_and_encodes_back_to_itself() -> None:
    lines = read_journal(OLD_JOURNAL)
    entries = decode_entries(lines)
    assert [type(e) for e in entries] == [
        Intent,
        Confirmed,
        Intent,
        Confirmed,
        Intent,
        Confirmed,
        Intent,
        Failed,
    ]
    assert [e.encode() for e in entries] == lines
    english = entries[4]
    assert isinstance(english, Intent)
    assert english.language == "en"
    assert english.images[0].set == {"description": "English caption"}


def test_unknown_events_and_broken_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    good = read_journal(OLD_JOURNAL)[:2]
    text = "".join(json.dumps(line) + "\n" for line in good)
    path.write_text(
        text + json.dumps({"event": "photo_added_by_a_newer_version", "guid": "g"}) + "\n"
        '{"event": "intent", "gallery": "shop"}\n'  # no guid: not an entry this version can use
        '{"event": "result", "guid": "cut sh',  # a crash cut the last line short
        encoding="utf-8",
    )
    assert decode_entries(read_journal(path)) == decode_entries(good)
    assert decode_entry({"event": "failed", "guid": "g", "gallery": "shop"}) == Failed(
        "g", "shop", None
    )


def test_revert_restores_what_an_old_journal_recorded() -> None:
    client = sn.sandbox(seed=7, products=6)
    entries = decode_entries(read_journal(OLD_JOURNAL))
    intents = [e for e in entries if isinstance(e, Intent)]
    # Put the shop in the state the old run left it in (the failed call's value too: it may
    # have landed, and revert must then undo it).
    for intent in intents:
        edits = pd.DataFrame(
            [
                {"guid": intent.guid, "gallery": intent.gallery, "name": i.name, **i.set}
                for i in intent.images
            ]
        ).assign(language=intent.language)
        done = sn.update_images(client, edits, progress=False)
        assert set(done.rows["status"]) == {"updated"}
    # The changeTimes are the old run's, not this shop's: force past the conflict check.
    undone = sn.revert(OLD_JOURNAL, client=client, force=True, progress=False)
    assert set(undone.rows["status"]) == {"updated"}
    assert len(undone.rows) == sum(len(i.images) for i in intents)
    for intent in intents:
        for image in intent.images:
            now = _image(client, intent.guid, intent.gallery, image.name, intent.language)
            assert image.before is not None
            for field in image.set:
                assert now[field] == getattr(image.before, field)


def test_a_run_writes_typed_entries_that_revert_reads(tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    journal = Journal(path)
    before = ImageState(1, "old", None)
    journal.write(
        Intent(
            "g",
            "shop",
            None,
            product_name="P",
            images=(IntentImage("a.jpg", before, {"description": "new"}),),
        )
    )
    journal.write(
        Confirmed(
            "g",
            "shop",
            None,
            request_id="r",
            images=(ConfirmedImage("a.jpg", ImageState(1, "new", "t")),),
        )
    )
    journal.close()
    written = read_journal(path)
    assert [line["event"] for line in written] == ["intent", "result"]
    assert all(line["time"] for line in written)
    assert written == journal.entries
    decoded = decode_entries(written)
    assert decoded[0] == Intent(
        "g",
        "shop",
        None,
        time=written[0]["time"],
        product_name="P",
        images=(IntentImage("a.jpg", before, {"description": "new"}),),
    )


def _image(
    client: sn.ShoptetClient, guid: str, gallery: str, name: str, language: str | None
) -> dict:
    """The photo as the shop's API shows it in ``language`` (None: the default)."""
    (found,) = [
        i for i in client.list_images(guid, gallery, language=language) if i["name"] == name
    ]
    return found
