"""Data safety across languages, stale frames, broken text, lost answers and revert (issue 12).

Each test reproduces, through the public API against the sandbox, a way the package once wrote
what the user did not mean or said something untrue about a row; the sandbox's own state is
the oracle.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.errors import FrameError

from helpers import IMAGES, calls, products_with_images, read, server_image


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=31, products=30)


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def captions(client: sn.ShoptetClient, guid: str, language: str | None = None) -> dict[str, str]:
    return {
        image["name"]: image["description"]
        for image in client.sandbox.images(guid, "shop", language=language)
    }


# -- defect 2: frames carry their language ---------------------------------------------------


def test_a_frame_read_in_another_language_writes_only_that_language(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    czech = captions(client, guid)
    slovak = read(client, [guid], language="sk")
    assert set(slovak["language"]) == {"sk"}
    assert read(client, [guid])["language"].isna().all()  # the shop's default: <NA>

    edited = slovak.assign(description=[f"Slovenský popis {i}" for i in range(len(slovak))])
    result = sn.update_images(client, edited, progress=False)

    assert result.counts["updated"] == len(edited), result.counts
    assert set(result.rows["language"]) == {"sk"}
    assert captions(client, guid) == czech  # the default language is untouched
    assert captions(client, guid, "sk") == dict(
        zip(edited["name"], edited["description"], strict=True)
    )
    assert set(result.images["language"]) == {"sk"}


def test_a_base_in_another_language_than_the_edits_is_refused_before_any_request(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=2)[0]
    czech = read(client, [guid])
    slovak = read(client, [guid], language="sk")
    edited = slovak.assign(description="Slovenský popis")
    client.sandbox.reset_stats()
    with pytest.raises(FrameError, match="language"):
        sn.plan_updates(client, edited, base=czech, progress=False)
    with pytest.raises(FrameError, match="language"):
        sn.plan_updates(client, czech.assign(description="Český"), base=slovak, progress=False)
    assert client.sandbox.stats()["requests"] == {}


# -- defect 3: one photo, one key; shared fields agree across languages ----------------------


def test_the_default_languages_name_and_none_are_one_key(client: sn.ShoptetClient) -> None:
    guid = products_with_images(client, 1, min_images=2)[0]
    name = read(client, [guid])["name"].iloc[0]
    edits = pd.DataFrame(
        {
            "guid": [guid, guid],
            "name": [name, name],
            "language": [None, "cs"],  # cs is the sandbox's default language
            "description": ["První", "Druhý"],
        }
    )
    client.sandbox.reset_stats()
    result = sn.update_images(client, edits, progress=False)
    assert list(result.rows["status"]) == ["invalid", "invalid"], result.rows
    assert result.rows["message"].str.contains("same image").all()
    assert calls(client, "PATCH", IMAGES) == 0

    agreeing = edits.assign(description="Stejný")
    result = sn.update_images(client, agreeing, progress=False)
    assert result.counts["updated"] == 2, result.rows
    assert calls(client, "PATCH", IMAGES) == 1  # one image, one write
    assert server_image(client, guid, name)["description"] == "Stejný"


def test_rows_giving_one_photo_two_priorities_in_two_languages_are_invalid(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=2)[0]
    name = read(client, [guid])["name"].iloc[0]
    edits = pd.DataFrame(
        {"guid": [guid, guid], "name": [name, name], "language": [None, "sk"], "priority": [3, 7]}
    )
    client.sandbox.reset_stats()
    result = sn.update_images(client, edits, progress=False)
    assert list(result.rows["status"]) == ["invalid", "invalid"], result.rows
    assert result.rows["message"].str.contains("priority").all()
    assert result.rows["message"].str.contains("languages").all()
    assert calls(client, "PATCH", IMAGES) == 0


# -- defect 5: a frame with change_time is its own base --------------------------------------


def test_a_whole_frame_written_back_does_not_undo_a_colleagues_later_change(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    images = read(client, [guid])
    numbered = images[images["priority"].notna()]
    last, old_priority = numbered["name"].iloc[-1], int(numbered["priority"].iloc[-1])
    moved_to = old_priority - 1 if old_priority > 1 else old_priority + 1
    client.sandbox.set_image(guid, "shop", last, priority=moved_to)  # a colleague moves it
    first = images["name"].iloc[0]
    edited = images.copy()
    edited.loc[edited["name"] == first, "description"] = "Můj nový popisek"

    plan = sn.plan_updates(client, edited, progress=False)
    by_name = plan.rows.set_index("name")
    assert by_name.loc[first, "status"] == "would_update"
    assert by_name.loc[last, "status"] == "conflict"
    assert "priority" in by_name.loc[last, "reason"]
    assert "changeTime" in by_name.loc[last, "reason"] or "changed" in by_name.loc[last, "reason"]

    result = sn.apply(plan, progress=False)
    assert server_image(client, guid, last)["priority"] == moved_to  # the colleague's move stays
    assert server_image(client, guid, first)["description"] == "Můj nový popisek"
    assert result.rows.set_index("name").loc[last, "status"] == "conflict"


# -- defect 6: text that cannot be sent ------------------------------------------------------


def test_a_lone_surrogate_is_invalid_and_the_gallerys_other_rows_go_through(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=4)[0]
    names = list(read(client, [guid])["name"].iloc[:4])
    edits = pd.DataFrame(
        {"guid": guid, "name": names, "description": ["bad\ud800", "Dobrý 1", "Dobrý 2", "Dobrý 3"]}
    )
    plan = sn.plan_updates(client, edits, progress=False)
    assert plan.rows["status"].tolist() == ["invalid", *["would_update"] * 3]
    assert "U+D800" in plan.rows["reason"].iloc[0]
    result = sn.apply(plan, progress=False)
    assert result.rows["status"].tolist() == ["invalid", *["updated"] * 3]
    for name, text in zip(names[1:], ["Dobrý 1", "Dobrý 2", "Dobrý 3"], strict=True):
        assert server_image(client, guid, name)["description"] == text
