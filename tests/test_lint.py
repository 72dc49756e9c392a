"""Tests for shoptet_nb.lint: one test per rule, plus ordering, edges and the contract."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from shoptet_nb.columns import IMAGE_COLUMNS, LINT_COLUMNS, empty_frame, typed
from shoptet_nb.errors import ArgumentError, FrameError
from shoptet_nb.lint import LINT_RULES, lint_captions

G1 = "11111111-1111-1111-1111-111111111111"
G2 = "22222222-2222-2222-2222-222222222222"
MSG = LINT_RULES


def images(captions: dict[str, str | None], **overrides: Any) -> pd.DataFrame:
    """One gallery: file name → caption, priorities in the given order."""
    rows = [
        {
            "guid": G1,
            "gallery": "shop",
            "name": name,
            "priority": i,
            "description": caption,
            **overrides,
        }
        for i, (name, caption) in enumerate(captions.items(), start=1)
    ]
    return typed(pd.DataFrame(rows), IMAGE_COLUMNS)


def findings(rows: list[tuple[str, str, str, str, str | None]]) -> pd.DataFrame:
    """Expected findings from (guid, gallery, name, rule, description); message from the table."""
    frame = pd.DataFrame(
        [
            {"guid": g, "gallery": gal, "name": n, "rule": r, "message": MSG[r], "description": d}
            for g, gal, n, r, d in rows
        ],
        columns=list(LINT_COLUMNS),
    )
    return typed(frame, LINT_COLUMNS)


def lint(df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    before = copy.deepcopy(df)
    result = lint_captions(df, **kwargs)
    pd.testing.assert_frame_equal(df, before)
    return result


def rules_by_name(result: pd.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, rule in zip(result["name"], result["rule"], strict=True):
        out.setdefault(name, []).append(rule)
    return out


def test_rule_table() -> None:
    assert list(LINT_RULES) == [
        "empty",
        "file_name",
        "duplicate",
        "too_long",
        "whitespace",
        "markup",
    ]
    assert all(message and message[0].isupper() for message in LINT_RULES.values())


def test_clean_captions_have_no_findings() -> None:
    df = images(
        {
            "1.jpg": "Žluťoučký kůň úpěl ďábelské ódy",
            "2.jpg": "Jablko 🍎 na stole",
            "3.jpg": "שלום עולם — תמונה",
            "4.jpg": "Tom & Jerry, a < b, <3, 2024",
            "5.jpg": "Photo of IMG packaging",
            "6.jpg": "Ring size 1234",
        }
    )
    pd.testing.assert_frame_equal(lint(df), empty_frame(LINT_COLUMNS))


def test_empty_only_reports_empty() -> None:
    df = images({"a.jpg": None, "b.jpg": "", "c.jpg": "   ", "d.jpg": "\t\n"})
    expected = findings(
        [
            (G1, "shop", "a.jpg", "empty", None),
            (G1, "shop", "b.jpg", "empty", ""),
            (G1, "shop", "c.jpg", "empty", "   "),
            (G1, "shop", "d.jpg", "empty", "\t\n"),
        ]
    )
    pd.testing.assert_frame_equal(lint(df), expected)


def test_file_name() -> None:
    df = images(
        {
            "100.jpg": "100.JPG",
            "apple.png": "Apple",
            "x1.jpg": "IMG_1234.jpg",
            "x2.jpg": "DSC00012",
            "x3.jpg": "pxl_20240101_123456789",
            "x4.jpg": "P1010001.JPG",
            "x5.jpg": "Red apple.jpeg",
            "x6.jpg": "Žluťoučký kůň.webp",
            "ok1.jpg": "IMG of an apple",
            "ok2.jpg": "DSC 12",
            "ok3.jpg": "Apple (jpg version)",
        }
    )
    result = lint(df)
    assert set(result["rule"]) == {"file_name"}
    assert result["name"].tolist() == [
        "100.jpg",
        "apple.png",
        "x1.jpg",
        "x2.jpg",
        "x3.jpg",
        "x4.jpg",
        "x5.jpg",
        "x6.jpg",
    ]
    assert result["message"].tolist() == [MSG["file_name"]] * 8


def test_duplicate_same_gallery_only_after_strip_and_casefold() -> None:
    df = pd.concat(
        [
            images(
                {
                    "a.jpg": "Žluťoučký kůň",
                    "b.jpg": "ŽLUŤOUČKÝ KŮŇ",
                    "c.jpg": "Other",
                    "d.jpg": "žluťoučký kůň ",
                }
            ),
            images({"a.jpg": "Žluťoučký kůň"}, gallery="shop360"),
            images({"a.jpg": "Other"}, guid=G2),
        ],
        ignore_index=True,
    )
    expected = findings(
        [
            (G1, "shop", "a.jpg", "duplicate", "Žluťoučký kůň"),
            (G1, "shop", "b.jpg", "duplicate", "ŽLUŤOUČKÝ KŮŇ"),
            (G1, "shop", "d.jpg", "duplicate", "žluťoučký kůň "),
            (G1, "shop", "d.jpg", "whitespace", "žluťoučký kůň "),
        ]
    )
    pd.testing.assert_frame_equal(lint(df), expected)


def test_duplicate_empties_are_only_empty() -> None:
    df = images({"a.jpg": "", "b.jpg": None, "c.jpg": " "})
    assert set(lint(df)["rule"]) == {"empty"}


def test_too_long_counts_characters_and_says_the_length() -> None:
    df = images({"a.jpg": "x" * 125, "b.jpg": "y" * 126, "c.jpg": "🐴" * 126, "d.jpg": "ů" * 200})
    result = lint(df)
    assert result["name"].tolist() == ["b.jpg", "c.jpg", "d.jpg"]
    assert set(result["rule"]) == {"too_long"}
    assert result["message"].tolist() == [
        "Caption has 126 characters, more than 125: shorten it",
        "Caption has 126 characters, more than 125: shorten it",
        "Caption has 200 characters, more than 125: shorten it",
    ]
    short = lint(df, max_length=10)
    assert short["message"].iloc[0] == "Caption has 125 characters, more than 10: shorten it"
    assert len(short) == 4


def test_whitespace() -> None:
    df = images(
        {
            "a.jpg": " Lead",
            "b.jpg": "Trail ",
            "c.jpg": "Two  spaces",
            "d.jpg": "Tab\t\tx",
            "e.jpg": "Fine caption",
            "f.jpg": "Line\nbreak",
            "g.jpg": "Kůň\u00a0",
        }
    )
    result = lint(df)
    assert rules_by_name(result) == {
        "a.jpg": ["whitespace"],
        "b.jpg": ["whitespace"],
        "c.jpg": ["whitespace"],
        "d.jpg": ["whitespace"],
        "g.jpg": ["whitespace"],
    }
    assert result["message"].iloc[0] == MSG["whitespace"]


def test_markup() -> None:
    df = images(
        {
            "a.jpg": "<b>Bold</b> apple",
            "b.jpg": "Tom &amp; Jerry",
            "c.jpg": "Non&#160;breaking",
            "d.jpg": "Hex &#xA0; ref",
            "e.jpg": "<IMG SRC=x>",
            "f.jpg": "<!-- note --> apple",
            "g.jpg": "Line<br/>break",
            "h.jpg": "Tom & Jerry",
            "i.jpg": "a < b",
            "j.jpg": "I <3 it",
            "k.jpg": "AT&T; Q&A",
        }
    )
    result = lint(df)
    assert rules_by_name(result) == {
        name: ["markup"] for name in ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg", "g.jpg"]
    }


def test_several_findings_per_image_sorted_by_gallery_order_then_rule() -> None:
    df = pd.concat(
        [
            images({"z.jpg": " <i>IMG_0001</i>", "y.jpg": None}, guid=G2),
            images({"b.jpg": "Same", "a.jpg": "same"}, gallery="shop360"),
            images({"c.jpg": "c.jpg ", "d.jpg": "Good", "e.jpg": None}),
        ],
        ignore_index=True,
    )
    df["priority"] = pd.array([1, 1, 5, 5, None, 2, 2], dtype="Int64")
    result = lint(df)
    assert list(
        zip(result["guid"], result["gallery"], result["name"], result["rule"], strict=True)
    ) == [
        (G1, "shop", "e.jpg", "empty"),  # d and e tie at 2; c has none
        (G1, "shop", "c.jpg", "file_name"),
        (G1, "shop", "c.jpg", "whitespace"),
        (G1, "shop360", "a.jpg", "duplicate"),  # tie at 5, a before b
        (G1, "shop360", "b.jpg", "duplicate"),
        (G2, "shop", "y.jpg", "empty"),
        (G2, "shop", "z.jpg", "whitespace"),
        (G2, "shop", "z.jpg", "markup"),
    ]
    assert result.index.equals(pd.RangeIndex(8))


def test_extra_columns_and_index_do_not_matter() -> None:
    df = images({"a.jpg": None})
    df.index = pd.Index(["row-a"])
    df["mine"] = pd.Series([object()], index=df.index, dtype=object)
    pd.testing.assert_frame_equal(lint(df), findings([(G1, "shop", "a.jpg", "empty", None)]))


def test_duplicate_index_labels() -> None:
    df = images({"a.jpg": "Same", "b.jpg": "same"})
    df.index = pd.Index([3, 3])
    assert lint(df)["name"].tolist() == ["a.jpg", "b.jpg"]


def test_empty_frame() -> None:
    df = images({"a.jpg": "x"}).iloc[:0]
    pd.testing.assert_frame_equal(lint(df), empty_frame(LINT_COLUMNS))


def test_missing_column_and_bad_arguments() -> None:
    df = images({"a.jpg": "x"})
    with pytest.raises(FrameError, match="lint_captions\\(\\) needs the column\\(s\\) description"):
        lint_captions(df.drop(columns="description"))
    with pytest.raises(ArgumentError, match="max_length must be 1 or more, got 0"):
        lint_captions(df, max_length=0)
    with pytest.raises(ArgumentError, match="max_length must be a whole number"):
        lint_captions(df, max_length=12.5)  # type: ignore[arg-type]


# -- languages: a frame read in several languages holds each gallery once per language -------


def test_findings_keep_the_language_and_change_time_of_their_photo() -> None:
    when = pd.Timestamp("2021-11-18 03:29:12", tz="UTC")
    df = images({"a.jpg": None, "b.jpg": "b.jpg"}, language="sk", change_time=when)
    result = lint(df)
    assert result["language"].tolist() == ["sk", "sk"]
    assert result["change_time"].tolist() == [when, when]


def test_duplicates_are_found_per_language() -> None:
    # The same captions in Czech and Slovak rows of one gallery are no duplicates.
    df = pd.concat(
        [
            images({"a.jpg": "Red", "b.jpg": "Blue"}),
            images({"a.jpg": "Red", "b.jpg": "Blue"}, language="sk"),
            images({"a.jpg": "Same", "b.jpg": "same"}, language="en"),
        ],
        ignore_index=True,
    )
    result = lint(df)
    assert list(zip(result["name"], result["language"], result["rule"], strict=True)) == [
        ("a.jpg", "en", "duplicate"),
        ("b.jpg", "en", "duplicate"),
    ]
