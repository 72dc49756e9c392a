"""apply and revert through the public API on the sandbox: photos in two languages, rows in an
unknown language, and reverting a call that never landed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn

from helpers import products_with_images


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def _gallery(client: Any, guid: str, language: str | None = None) -> list[tuple[Any, ...]]:
    return [
        (image["name"], image["priority"], image["description"])
        for image in client.sandbox.images(guid, "shop", language=language)
    ]


def test_revert_restores_a_photo_written_in_two_languages() -> None:
    # One worker: the Slovak gallery is re-read after the default language's write landed,
    # as it often is in a threaded run.
    client = sn.sandbox(seed=5, products=30, settings={"max_in_flight": 1})
    (guid,) = products_with_images(client, 1, min_images=3)
    default_before, slovak_before = _gallery(client, guid), _gallery(client, guid, "sk")
    name = default_before[-1][0]
    edits = pd.DataFrame(
        {
            "guid": [guid, guid],
            "name": [name, name],
            "language": [None, "sk"],
            "priority": [1, 1],  # agree, as they must: one priority serves both languages
            "description": ["Czech caption", "Slovak caption"],
        }
    )
    plan = sn.plan_updates(client, edits, progress=False)
    result = sn.apply(plan, progress=False)
    assert set(result.rows["status"]) == {"updated"}

    undone = sn.revert(result, progress=False)

    assert set(undone.rows["status"]) == {"updated"}, undone.rows[["status", "message"]]
    assert _gallery(client, guid) == default_before
    assert _gallery(client, guid, "sk") == slovak_before


@pytest.mark.parametrize("language", ["xx", "SK", " sk", "s\ud800"])
def test_a_row_in_an_unknown_language_is_invalid_and_the_others_go_through(language: str) -> None:
    client = sn.sandbox(seed=5, products=30)
    (guid,) = products_with_images(client, 1, min_images=2)
    first, second = (image["name"] for image in client.sandbox.images(guid, "shop")[:2])
    edits = pd.DataFrame(
        {
            "guid": [guid, guid],
            "name": [first, second],
            "language": [language, None],
            "description": ["Caption in a language the shop lacks", "A good caption"],
        }
    )
    client.sandbox.reset_stats()

    result = sn.update_images(client, edits, progress=False)

    assert result.rows["status"].tolist() == ["invalid", "updated"]
    message = result.rows["message"].iloc[0]
    assert message.startswith(f"language {language!r}")
    if language.isalpha():  # a well-formed code: the message lists the shop's codes
        assert "cs, sk, en" in message
    assert client.sandbox.images(guid, "shop")[1]["description"] == "A good caption"
    assert "PATCH /api/products/{guid}/images/{gallery}" in client.sandbox.stats()["requests"]


def test_revert_of_a_call_that_never_landed_is_no_false_conflict(tmp_path: Path) -> None:
    # An interrupted run journals a call's intent, then the call never leaves (or its answer
    # is lost and it did not land). Revert finds the photo as it was before: nothing to undo,
    # and nobody "edited its caption", even where the caption was null before.
    client = sn.sandbox(seed=1, products=30)
    (guid,) = products_with_images(client, 1, min_images=2)
    first = client.sandbox.images(guid, "shop")[0]
    client.sandbox.set_image(guid, "shop", first["name"], description=None)
    photos = client.sandbox.images(guid, "shop")[:2]
    assert photos[0]["description"] is None
    intent = {
        "event": "intent",
        "guid": guid,
        "gallery": "shop",
        "language": None,
        "images": [
            {
                "name": photo["name"],
                "before": {
                    "priority": photo["priority"],
                    "description": photo["description"],
                    "changeTime": photo["changeTime"],
                },
                "set": {"description": "never sent"},
            }
            for photo in photos
        ],
    }
    journal = tmp_path / "interrupted.jsonl"
    journal.write_text(json.dumps(intent) + "\n", encoding="utf-8")
    client.sandbox.reset_stats()

    undone = sn.revert(journal, client=client, progress=False)

    assert undone.rows["status"].tolist() == ["unchanged", "unchanged"], undone.rows["message"]
    assert "PATCH /api/products/{guid}/images/{gallery}" not in client.sandbox.stats()["requests"]
    assert client.sandbox.images(guid, "shop")[:2] == photos


@pytest.mark.parametrize(
    ("colleague", "field", "expected"),
    [
        (None, "description", "updated"),  # a Czech caption changed: the Slovak one goes
        ("sk", "description", "conflict"),  # the Slovak caption changed: not written over
        ("sk", "priority", "updated"),  # the shared priority moved; the edit writes no priority
    ],
)
def test_a_colleagues_change_in_another_language_does_not_hold_back_this_one(
    colleague: str | None, field: str, expected: str
) -> None:
    # Shoptet renews a photo's changeTime for a change in any of its languages: the time
    # alone cannot say whether the Slovak caption this write replaces is still the one read.
    client = sn.sandbox(seed=5, products=30)
    (guid,) = products_with_images(client, 1, min_images=2)
    for image in client.sandbox.images(guid, "shop"):  # translated (else sk shows the Czech)
        client.sandbox.set_image(guid, "shop", image["name"], description="SK", language="sk")
    slovak = sn.read_images(client, [guid], language="sk", progress=False)
    name = str(slovak["name"].iloc[0])
    edits = slovak[slovak["name"] == name].assign(description="Slovenský popis")
    plan = sn.plan_updates(client, edits, base=slovak, progress=False)
    client.sandbox.advance_clock(2)  # the colleague comes later than our read
    change: dict[str, Any] = (
        {"description": "Kolega"} if field == "description" else {"priority": 60000}
    )
    client.sandbox.set_image(guid, "shop", name, language=colleague, **change)
    read_time = slovak.set_index("name").loc[name, "change_time"]
    now = sn.read_images(client, [guid], language="sk", progress=False).set_index("name")
    assert now.loc[name, "change_time"] != read_time  # the shared time moved

    result = sn.apply(plan, progress=False)

    assert result.rows["status"].tolist() == [expected], result.rows["message"].tolist()
    shown = {
        i["name"]: i["description"] for i in client.sandbox.images(guid, "shop", language="sk")
    }
    mine = "Slovenský popis" if expected == "updated" else "Kolega"
    assert shown[name] == mine
    if colleague is None:  # the colleague's Czech caption stays
        czech = {i["name"]: i["description"] for i in client.sandbox.images(guid, "shop")}
        assert czech[name] == "Kolega"


def test_a_moved_time_with_a_changed_priority_holds_back_an_edit_that_writes_priority() -> None:
    client = sn.sandbox(seed=5, products=30)
    (guid,) = products_with_images(client, 1, min_images=2)
    slovak = sn.read_images(client, [guid], language="sk", progress=False)
    name = str(slovak["name"].iloc[0])
    edits = slovak[slovak["name"] == name].assign(priority=50000, description=pd.NA)
    plan = sn.plan_updates(client, edits, base=slovak, progress=False)
    client.sandbox.set_image(guid, "shop", name, priority=60000)  # in the default language

    result = sn.apply(plan, progress=False)

    assert result.rows["status"].tolist() == ["conflict"], result.rows["message"].tolist()
    assert "priority" in result.rows["message"].iloc[0]
