"""export_captions / read_captions: the copywriter round trip, against the sandbox."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shoptet_nb as sn
from shoptet_nb.errors import ArgumentError, ConfigError, FrameError
from shoptet_nb.spreadsheet import CLEAR_MARKER, EDITS_COLUMNS, SHEET_COLUMNS

from helpers import products_with_images, server_image

FORMATS = ["xlsx", "csv"]
# Captions that a spreadsheet tends to mangle: numbers, formulas, error values, spaces, lines.
ODD_CAPTIONS = [
    "=1+1",
    "007",
    "1e5",
    "#N/A",
    "TRUE",
    "  leading and trailing  ",
    "two\nlines",
    "Žluťoučký kůň úpěl ďábelské ódy 🐎",
    "<b>bold</b> &amp;",
    "tab\there",
    "-5",
    "'quoted",
    '"double", comma; semicolon',
    "",
    "crlf\r\nline",
    "cr\ronly",
    "_x000D_ and _x005F_ typed as text",
]


@pytest.fixture
def client() -> Any:
    return sn.sandbox(seed=3, products=30)


@pytest.fixture
def images(client: Any) -> pd.DataFrame:
    guids = products_with_images(client, 3, min_images=len(ODD_CAPTIONS) // 3 + 1)
    frame = sn.read_images(client, guids, progress=False)
    return frame


def set_captions(client: Any, images: pd.DataFrame, captions: list[str]) -> pd.DataFrame:
    """Give the first photos these captions in the shop, and return the photos read again."""
    for (guid, gallery, name), caption in zip(
        images[["guid", "gallery", "name"]].itertuples(index=False), captions, strict=False
    ):
        client.sandbox.set_image(guid, gallery, name, description=caption)
    return sn.read_images(client, sorted(images["guid"].unique()), progress=False)


def edit_cells(path: Path, edits: dict[int, Any], column: str = "description") -> None:
    """Type values into cells as a copywriter would (sheet row number → value)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Captions"]
    letter = openpyxl.utils.get_column_letter(SHEET_COLUMNS.index(column) + 1)
    for row, value in edits.items():
        cell = sheet[f"{letter}{row}"]
        cell.value = as_excel_stores(value) if isinstance(value, str) else value
        if isinstance(value, str):
            cell.data_type = "s"  # a text cell, as Excel stores typing in a "@" cell
    book.save(path)


def as_excel_stores(text: str) -> str:
    """Text as Excel writes it into the file (ECMA-376 ST_Xstring): XML turns a carriage return
    into a line feed, so a CR is written ``_x000D_``, and the ``_`` that starts a literal
    ``_xHHHH_`` is written ``_x005F_``."""
    return re.sub(r"_(?=x[0-9A-Fa-f]{4}_)", "_x005F_", text).replace("\r", "_x000D_")


def edit_csv(path: Path, edits: dict[int, str], column: str = "description") -> None:
    """Type captions into a .csv as a program that keeps line ends inside cells would."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    at = rows[0].index(column)
    for row, value in edits.items():
        rows[row - 1][at] = value
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def plan_for(client: Any, edits: pd.DataFrame) -> sn.Plan:
    return sn.plan_updates(client, edits, progress=False)


# -- untouched files plan nothing --------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_untouched_file_plans_no_change(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    odd = set_captions(client, images, ODD_CAPTIONS)
    path = sn.export_captions(odd, tmp_path / f"captions.{kind}")

    edits = sn.read_captions(path)

    assert list(edits.columns) == EDITS_COLUMNS
    times = edits.pop("change_time")
    assert all(str(dtype) == "string" for dtype in edits.dtypes)
    assert str(times.dtype) == "datetime64[ns, UTC]"
    assert times.tolist() == odd["change_time"].tolist()  # to the second, as the shop said
    assert edits.index.name == "sheet_row"
    assert edits.index.tolist() == list(range(2, len(odd) + 2))
    assert edits["description"].isna().all()
    assert edits["invalid_reason"].isna().all()
    # The captions as exported come back byte for byte ("" and null are both an empty cell).
    exported = odd["description"].fillna("").tolist()
    assert edits["original_description"].fillna("").tolist() == exported
    plan = plan_for(client, edits)
    assert plan.counts["would_update"] == 0
    assert plan.counts["unchanged"] == len(odd)


def test_untouched_file_plans_nothing_even_after_the_shop_moved_on(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    path = sn.export_captions(images, tmp_path / "captions.xlsx")
    guid, gallery, name = images.iloc[0][["guid", "gallery", "name"]]
    client.sandbox.set_image(guid, gallery, name, description="Changed in the admin meanwhile")

    plan = plan_for(client, sn.read_captions(path))

    assert plan.counts["would_update"] == 0  # the stale caption in the file is not sent back


@pytest.mark.parametrize("kind", FORMATS)
def test_export_leaves_the_callers_frame_alone(
    images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    before = images.copy()
    sn.export_captions(images, tmp_path / f"captions.{kind}")
    pd.testing.assert_frame_equal(images, before)


@pytest.mark.parametrize("kind", FORMATS)
def test_an_edit_of_a_photo_changed_in_the_shop_since_the_export_is_a_conflict(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    path = sn.export_captions(images, tmp_path / f"captions.{kind}")
    if kind == "xlsx":
        edit_cells(path, {2: "Copywriter's caption", 3: "Another"})
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.loc[[0, 1], "description"] = ["Copywriter's caption", "Another"]
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    guid, gallery, name = images.iloc[0][["guid", "gallery", "name"]]
    client.sandbox.set_image(guid, gallery, name, description="The merchant's newer caption")

    plan = plan_for(client, sn.read_captions(path))
    result = sn.apply(plan, progress=False, journal=False)

    assert plan.rows.loc[2, "status"] == "conflict"
    assert "changed in the shop after the frame was read" in plan.rows.loc[2, "reason"]
    assert result.rows.loc[2, "status"] == "conflict"
    assert server_image(client, guid, name)["description"] == "The merchant's newer caption"
    assert result.rows.loc[3, "status"] == "updated"


@pytest.mark.parametrize("kind", FORMATS)
def test_captions_of_another_language_go_back_to_that_language(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    guids = sorted(images["guid"].unique())
    slovak = sn.read_images(client, guids, language="sk", progress=False)
    path = sn.export_captions(slovak, tmp_path / f"sk.{kind}")
    if kind == "xlsx":
        edit_cells(path, {2: "Slovenský popis"})
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.loc[0, "description"] = "Slovenský popis"
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    czech_before = sn.read_images(client, guids, progress=False)

    edits = sn.read_captions(path)
    result = sn.apply(plan_for(client, edits), progress=False, journal=False)

    assert edits["language"].eq("sk").all()
    assert result.counts["updated"] == 1
    guid, name = slovak.iloc[0][["guid", "name"]]
    assert (
        sn.read_images(client, [guid], language="sk", progress=False)
        .set_index("name")
        .loc[name, "description"]
        == "Slovenský popis"
    )
    czech_after = sn.read_images(client, guids, progress=False)
    assert czech_after["description"].tolist() == czech_before["description"].tolist()


@pytest.mark.parametrize("kind", FORMATS)
def test_an_empty_worklist_makes_a_sheet_that_plans_nothing(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    path = sn.export_captions(images.iloc[:0], tmp_path / f"nothing.{kind}")
    edits = sn.read_captions(path)
    assert list(edits.columns) == EDITS_COLUMNS
    assert edits.empty
    assert sum(plan_for(client, edits).counts.values()) == 0


def test_plain_pandas_reads_the_xlsx_with_the_frames_column_names(
    images: pd.DataFrame, tmp_path: Path
) -> None:
    path = sn.export_captions(images, tmp_path / "captions.xlsx")
    plain = pd.read_excel(path, sheet_name="Captions", dtype=str, keep_default_na=False)
    assert list(plain.columns) == SHEET_COLUMNS
    assert plain["name"].tolist() == images["name"].tolist()
    assert plain["description"].tolist() == images["description"].fillna("").tolist()
    assert plain["product_name"].tolist() == images["product_name"].fillna("").tolist()


# -- edits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_typed_captions_plan_exactly_those_changes(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    typed = {2: "=1+1", 3: "007", 5: " Spaces kept ", 6: "Řádek 1\nŘádek 2 🎒"}
    path = tmp_path / f"captions.{kind}"
    sn.export_captions(images, path)
    if kind == "xlsx":
        edit_cells(path, typed)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for row, text in typed.items():
            frame.loc[row - 2, "description"] = text
        frame.to_csv(path, index=False, encoding="utf-8-sig")

    edits = sn.read_captions(path)
    plan = plan_for(client, edits)

    changes = plan.changes
    assert dict(zip(changes.index, changes["new_description"], strict=True)) == typed
    assert plan.counts["would_update"] == len(typed)
    assert plan.counts["unchanged"] == len(images) - len(typed)
    result = sn.apply(plan, progress=False, journal=False)
    assert result.counts["updated"] == len(typed)
    for row, text in typed.items():
        guid, name = images.iloc[row - 2][["guid", "name"]]
        assert server_image(client, guid, name)["description"] == text


def test_a_number_typed_into_a_general_cell_reads_as_its_text(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    path = sn.export_captions(images, tmp_path / "captions.xlsx")
    edit_cells(path, {2: 7, 3: 2.5})
    edits = sn.read_captions(path)
    assert edits.loc[[2, 3], "description"].tolist() == ["7", "2.5"]


def test_clear_marker_clears_and_an_emptied_cell_changes_nothing(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    captioned = set_captions(client, images, ["First", "Second", "Third"])
    path = sn.export_captions(captioned, tmp_path / "captions.xlsx")
    edit_cells(path, {2: CLEAR_MARKER, 3: None, 4: "   "})

    with pytest.warns(UserWarning, match=r"caption cells of rows 3, 4 were emptied.*\[clear\]"):
        edits = sn.read_captions(path)
    plan = plan_for(client, edits)

    assert edits.loc[2, "description"] == ""
    assert edits.loc[[3, 4], "description"].isna().all()
    assert plan.changes.index.tolist() == [2]
    assert plan.changes.loc[2, "old_description"] == "First"


def test_a_caption_that_reads_like_the_marker_is_kept_when_untouched(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    captioned = set_captions(client, images, [CLEAR_MARKER])
    path = sn.export_captions(captioned, tmp_path / "captions.csv")
    assert plan_for(client, sn.read_captions(path)).counts["would_update"] == 0


# -- altered keys are never written anywhere ------------------------------------------------


@pytest.mark.parametrize("column", ["guid", "gallery", "name", "language"])
def test_a_row_whose_key_was_altered_is_invalid_and_nothing_is_written(
    client: Any, images: pd.DataFrame, tmp_path: Path, column: str
) -> None:
    path = sn.export_captions(images, tmp_path / "captions.xlsx")
    other = images.iloc[1]  # a photo that exists: the altered row now points at it
    altered = {
        "guid": images.iloc[-1]["guid"],
        "gallery": "shop360",
        "name": other["name"],
        "language": "sk",
    }
    edit_cells(path, {2: altered[column]}, column=column)
    edit_cells(path, {2: "Meant for the first photo"})
    before = [dict(server_image(client, g, n)) for g, n in images[["guid", "name"]].values]

    plan = plan_for(client, sn.read_captions(path))
    result = sn.apply(plan, progress=False, journal=False)

    assert plan.rows.loc[2, "status"] == "invalid"
    assert "key_check does not match" in plan.rows.loc[2, "reason"]
    assert plan.counts["would_update"] == 0
    assert result.counts["updated"] == 0
    after = [dict(server_image(client, g, n)) for g, n in images[["guid", "name"]].values]
    assert after == before


def test_a_row_added_to_a_csv_is_invalid(client: Any, images: pd.DataFrame, tmp_path: Path) -> None:
    path = sn.export_captions(images.iloc[:2], tmp_path / "captions.csv")
    third = images.iloc[2]
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(f"{third['guid']},shop,{third['name']},,,Sneaked in,,,,\r\n")

    plan = plan_for(client, sn.read_captions(path))

    assert plan.rows.loc[4, "status"] == "invalid"
    assert "not in the exported sheet" in plan.rows.loc[4, "reason"]
    assert plan.counts["would_update"] == 0


# -- the .xlsx a copywriter opens -----------------------------------------------------------


def test_xlsx_locks_everything_but_the_captions(images: pd.DataFrame, tmp_path: Path) -> None:
    path = sn.export_captions(images, tmp_path / "captions.xlsx", max_length=80)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Captions", "How to fill in"]
    sheet = book["Captions"]
    letter = {c: openpyxl.utils.get_column_letter(i) for i, c in enumerate(SHEET_COLUMNS, 1)}

    assert sheet.protection.sheet is True
    assert not sheet.protection.password
    assert sheet.protection.formatColumns is False  # resizing columns is allowed
    assert sheet.protection.autoFilter is False  # so is filtering
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{letter['findings']}{len(images) + 1}"
    assert sheet[f"{letter['description']}2"].protection.locked is False
    for column in ("guid", "gallery", "name", "language", "original_description", "key_check"):
        assert sheet[f"{letter[column]}2"].protection.locked is True, column
    assert sheet.column_dimensions[letter["original_description"]].hidden
    assert sheet.column_dimensions[letter["key_check"]].hidden
    assert not sheet.column_dimensions[letter["description"]].hidden
    assert sheet[f"{letter['description']}2"].alignment.wrap_text
    assert sheet[f"{letter['length']}2"].value == f"=LEN({letter['description']}2)"
    url_cell = sheet[f"{letter['url']}2"]
    assert url_cell.hyperlink.target == images.iloc[0]["url"] == url_cell.value
    rules = [r for cf in sheet.conditional_formatting for r in cf.rules]
    assert [r.formula for r in rules] == [["80"]]
    help_text = "\n".join(str(c.value) for c in book["How to fill in"]["A"] if c.value)
    assert "[clear]" in help_text
    assert "80 characters" in help_text


def test_captions_that_look_like_formulas_are_stored_as_text(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    odd = set_captions(client, images, ["=1+1", "#N/A", '=HYPERLINK("x")', "007"])
    path = sn.export_captions(odd, tmp_path / "captions.xlsx")
    sheet = openpyxl.load_workbook(path)["Captions"]
    for column in ("description", "original_description"):
        letter = openpyxl.utils.get_column_letter(SHEET_COLUMNS.index(column) + 1)
        cells = [sheet[f"{letter}{row}"] for row in range(2, 6)]
        assert [c.value for c in cells] == ["=1+1", "#N/A", '=HYPERLINK("x")', "007"]
        assert [c.data_type for c in cells] == ["s"] * 4, column  # not "f" (formula), "e", "n"


def test_links_stop_at_excels_limit(
    images: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shoptet_nb.spreadsheet.xlsx_writer._XLSX_MAX_LINKS", 2)
    path = sn.export_captions(images.iloc[:4], tmp_path / "captions.xlsx")
    sheet = openpyxl.load_workbook(path)["Captions"]
    letter = openpyxl.utils.get_column_letter(SHEET_COLUMNS.index("url") + 1)
    links = [sheet[f"{letter}{row}"].hyperlink for row in range(2, 6)]
    assert [link is not None for link in links] == [True, True, False, False]
    assert [sheet[f"{letter}{row}"].value for row in range(2, 6)] == images["url"][:4].tolist()


def test_findings_are_joined_per_photo(client: Any, images: pd.DataFrame, tmp_path: Path) -> None:
    noisy = set_captions(client, images, [" IMG_1234.jpg ", "Same", "Same"])
    findings = sn.lint_captions(noisy, max_length=10)
    with_messages = findings.merge(noisy[["guid", "gallery", "name", "product_name"]])

    path = sn.export_captions(with_messages, tmp_path / "from_findings.xlsx")
    plain = pd.read_excel(path, dtype=str, keep_default_na=False)

    flagged = findings.drop_duplicates(["guid", "gallery", "name"])
    assert len(plain) == len(flagged)
    first = plain.iloc[0]["findings"].split("\n")
    expected = findings[findings["name"] == plain.iloc[0]["name"]]["message"].tolist()
    assert first == expected
    assert len(first) >= 2
    assert plain.iloc[0]["product_name"] == noisy.iloc[0]["product_name"]

    # An image frame is linted at export, with the max_length given.
    linted = pd.read_excel(
        sn.export_captions(noisy, tmp_path / "linted.xlsx", max_length=10),
        dtype=str,
        keep_default_na=False,
    )
    assert "more than 10" in linted.iloc[0]["findings"]


# -- every sheet carries the photos' change times ------------------------------------------


def type_captions(path: Path, kind: str, typed: dict[int, str]) -> None:
    if kind == "xlsx":
        edit_cells(path, typed)
    else:
        edit_csv(path, typed)


def colleague_changes(client: Any, row: pd.Series, **values: Any) -> None:
    """Someone changes the photo in the shop's admin, a couple of seconds later."""
    client.sandbox.advance_clock(2)
    language = None if pd.isna(row["language"]) else row["language"]
    assert client.sandbox.set_image(
        row["guid"], row["gallery"], row["name"], language=language, **values
    )


@pytest.mark.parametrize("kind", FORMATS)
def test_a_sheet_of_findings_never_overwrites_a_colleagues_newer_caption(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    noisy = set_captions(client, images, ["IMG_0001.jpg", "IMG_0002.jpg"])
    findings = sn.lint_captions(noisy)
    path = sn.export_captions(findings, tmp_path / f"findings.{kind}")
    exported = sn.read_captions(path)
    key = ["guid", "gallery", "name"]
    as_read = exported[key].merge(noisy[[*key, "change_time"]], how="left")["change_time"]
    assert exported["change_time"].tolist() == as_read.tolist()
    assert exported.loc[[2, 3], "change_time"].notna().all()
    type_captions(path, kind, {2: "Copywriter's caption", 3: "Another"})
    colleague_changes(client, exported.loc[2], description="The colleague's newer caption")

    plan = plan_for(client, sn.read_captions(path))
    result = sn.apply(plan, progress=False, journal=False)

    assert plan.rows.loc[2, "status"] == "conflict"
    assert result.rows.loc[3, "status"] == "updated"
    first = exported.loc[2]
    assert server_image(client, first["guid"], first["name"])["description"] == (
        "The colleague's newer caption"
    )


def test_a_frame_without_change_times_needs_the_client_to_be_exported(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    findings = sn.lint_captions(set_captions(client, images, ["IMG_0001.jpg"]))
    bare = findings.drop(columns="change_time")
    with pytest.raises(FrameError, match=r"no change_time.*client=.*select_photos"):
        sn.export_captions(bare, tmp_path / "bare.xlsx")
    assert not (tmp_path / "bare.xlsx").exists()
    with pytest.raises(FrameError, match=r"change_time.*client="):
        sn.export_captions(images.drop(columns="change_time"), tmp_path / "bare.csv")

    path = sn.export_captions(bare, tmp_path / "read.xlsx", client=client, progress=False)

    edits = sn.read_captions(path)
    shop = sn.read_images(client, sorted(images["guid"].unique()), progress=False)
    key = ["guid", "gallery", "name"]
    expected = edits[key].merge(shop[[*key, "change_time", "description", "product_name"]])
    assert edits["change_time"].tolist() == expected["change_time"].tolist()
    for column, shop_column in [("original_description", "description"), ("product_name",) * 2]:
        assert edits[column].fillna("").tolist() == expected[shop_column].fillna("").tolist()


@pytest.mark.parametrize("kind", FORMATS)
def test_a_sheet_without_times_is_checked_against_the_exported_captions(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    shop = set_captions(client, images, ["First", "Second", "Third"])
    path = sn.export_captions(shop, tmp_path / f"captions.{kind}")
    rows = range(2, len(shop) + 2)
    if kind == "xlsx":
        edit_cells(path, dict.fromkeys(rows), column="change_time")
    else:
        edit_csv(path, dict.fromkeys(rows, ""), column="change_time")
    type_captions(path, kind, {2: "Mine", 3: "Mine too", 4: "And mine"})
    colleague_changes(client, shop.iloc[0], description="The colleague's newer caption")
    colleague_changes(client, shop.iloc[1], priority=999)  # the caption stays as exported

    edits = sn.read_captions(path)
    plan = plan_for(client, edits)
    result = sn.apply(plan, progress=False, journal=False)

    assert edits["change_time"].isna().all()
    assert plan.rows.loc[2, "status"] == "conflict"
    assert "exported" in plan.rows.loc[2, "reason"]
    assert plan.rows.loc[[3, 4], "status"].tolist() == ["would_update"] * 2
    assert result.rows.loc[2, "status"] == "conflict"
    guid, name = shop.iloc[0][["guid", "name"]]
    assert server_image(client, guid, name)["description"] == "The colleague's newer caption"
    assert result.rows.loc[[3, 4], "status"].tolist() == ["updated"] * 2


@pytest.mark.parametrize("kind", FORMATS)
def test_times_a_spreadsheet_program_reformatted_are_said_to_be_changed_in_the_file(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    shop = set_captions(client, images, ["First", "Second"])
    path = sn.export_captions(shop, tmp_path / f"captions.{kind}")
    rows = range(2, len(shop) + 2)
    if kind == "xlsx":  # a date cell, as a program that took the text for a date saves it
        edit_cells(path, dict.fromkeys(rows, datetime(2021, 11, 18, 4, 29)), column="change_time")
    else:
        edit_csv(path, dict.fromkeys(rows, "18.11.2021 04:29"), column="change_time")
    type_captions(path, kind, {2: "Mine", 3: "Mine too"})
    colleague_changes(client, shop.iloc[0], description="The colleague's newer caption")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        edits = sn.read_captions(path)
    plan = plan_for(client, edits)

    assert [str(w.message)[:15] for w in caught] == ["read_captions()"]  # nothing from pandas
    message = str(caught[0].message)
    assert "change_time" in message
    assert "changed in the file" in message
    assert "rows 2, 3" in message
    assert edits["change_time"].isna().all()
    assert plan.rows.loc[2, "status"] == "conflict"
    assert "changed in the shop after the frame was read" not in plan.rows.loc[2, "reason"]
    assert plan.rows.loc[3, "status"] == "would_update"


@pytest.mark.parametrize("kind", FORMATS)
def test_a_caption_the_sheet_holds_differently_can_still_be_edited(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    """The exported caption is compared with the shop's as a sheet holds text: a control
    character the file cannot hold (written U+FFFD) or line ends a spreadsheet program
    rewrote in the hidden cell are not someone's change, or the caption could never be edited."""
    shop = set_captions(client, images, ["bell\x07here", "a\r\nb"])
    path = sn.export_captions(shop, tmp_path / f"captions.{kind}")
    rewritten = {3: "a\nb"}  # a program that saves line ends as LF
    if kind == "xlsx":
        edit_cells(path, rewritten, column="original_description")
    else:
        edit_csv(path, rewritten, column="original_description")
    type_captions(path, kind, {2: "Bell", 3: "Two lines"})

    plan = plan_for(client, sn.read_captions(path))

    assert plan.rows.loc[[2, 3], "status"].tolist() == ["would_update"] * 2, plan.rows.loc[
        [2, 3], "reason"
    ].tolist()


# -- line ends -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_line_ends_typed_inside_captions_are_sent_byte_identical(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    path = sn.export_captions(images, tmp_path / f"captions.{kind}")
    typed = {2: "x\r\ny\rz\n", 3: "_x000D_\r"}
    type_captions(path, kind, typed)

    edits = sn.read_captions(path)

    assert [edits.loc[row, "description"].encode() for row in typed] == [
        text.encode() for text in typed.values()
    ]
    sent = {
        item["name"]: item["description"]
        for call in plan_for(client, edits).requests["images"]
        for item in call
    }
    assert sent == {images.iloc[row - 2]["name"]: text for row, text in typed.items()}


# -- bad input ------------------------------------------------------------------------------


def test_frame_without_key_columns_is_a_frame_error(images: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(FrameError, match="gallery"):
        sn.export_captions(images.drop(columns="gallery"), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_duplicate_keys_are_written_once_with_a_warning(
    images: pd.DataFrame, tmp_path: Path
) -> None:
    doubled = pd.concat([images, images.iloc[:3]], ignore_index=True)
    with pytest.warns(UserWarning, match=r"3 row\(s\) repeat a photo"):
        path = sn.export_captions(doubled, tmp_path / "captions.csv")
    assert len(sn.read_captions(path)) == len(images)


def test_renamed_headers_name_the_missing_columns(images: pd.DataFrame, tmp_path: Path) -> None:
    other = images.drop(columns="change_time").rename(
        columns={"description": "Popisek", "name": "Soubor"}
    )
    other.to_excel(tmp_path / "other.xlsx", index=False)
    with pytest.raises(FrameError) as caught:
        sn.read_captions(tmp_path / "other.xlsx")
    message = str(caught.value)
    for column in ("name", "description", "original_description", "key_check"):
        assert column in message.split("(it has")[0]
    assert "'Popisek'" in message


def test_unknown_extension_and_missing_file(tmp_path: Path, images: pd.DataFrame) -> None:
    with pytest.raises(ArgumentError, match=r"neither \.xlsx nor \.csv"):
        sn.export_captions(images, tmp_path / "captions.ods")
    with pytest.raises(ArgumentError, match="no file"):
        sn.read_captions(tmp_path / "missing.xlsx")
    with pytest.raises(ArgumentError, match="max_length must be 1 or more"):
        sn.export_captions(images, tmp_path / "captions.csv", max_length=0)


def test_not_a_workbook_and_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "fake.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(ArgumentError, match=r"not a readable \.xlsx"):
        sn.read_captions(tmp_path / "fake.xlsx")
    (tmp_path / "ansi.csv").write_bytes("guid;popis\nx;Žluťoučký\n".encode("cp1250"))
    with pytest.raises(ArgumentError, match="CSV UTF-8"):
        sn.read_captions(tmp_path / "ansi.csv")


def test_semicolon_csv_from_a_czech_excel_reads(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    path = sn.export_captions(images, tmp_path / "captions.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[0, "description"] = "Nový popisek; se středníkem"
    frame.to_csv(path, index=False, sep=";", encoding="utf-8")  # and no byte order mark

    plan = plan_for(client, sn.read_captions(path))

    assert plan.changes["new_description"].tolist() == ["Nový popisek; se středníkem"]


def test_xlsx_without_openpyxl_names_the_extra(
    images: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now fails
    with pytest.raises(ConfigError, match=r"shoptet-nb\[excel\]"):
        sn.export_captions(images, tmp_path / "captions.xlsx")
    sn.export_captions(images, tmp_path / "captions.csv")  # .csv needs no extra


# -- properties -----------------------------------------------------------------------------

captions = st.one_of(
    st.sampled_from(ODD_CAPTIONS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
)
# What a copywriter can type into a cell: no control characters but tab and line break.
typed_captions = st.one_of(
    st.sampled_from(ODD_CAPTIONS),
    st.text(
        st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r_x0D"),
        max_size=30,
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(odd=st.lists(captions, min_size=1, max_size=3), kind=st.sampled_from(FORMATS))
def test_any_captions_survive_an_untouched_round_trip(
    odd: list[str], kind: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    client = sn.sandbox(seed=5, products=5)
    guid = products_with_images(client, 1, min_images=3)[0]
    shop = set_captions(client, sn.read_images(client, [guid], progress=False), odd)
    path = sn.export_captions(shop, tmp_path_factory.mktemp("odd") / f"odd.{kind}")

    edits = sn.read_captions(path)

    assert sn.plan_updates(client, edits, progress=False).counts["would_update"] == 0
    assert edits["description"].isna().all()
    for caption, back in zip(odd, edits["original_description"].fillna(""), strict=False):
        if not any(ord(c) < 32 and c not in "\t\n\r" for c in caption):
            assert back.encode("utf-8") == caption.encode("utf-8")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(typed=typed_captions, kind=st.sampled_from(FORMATS))
def test_any_typed_caption_is_planned_exactly(
    typed: str, kind: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    client = sn.sandbox(seed=5, products=5)
    guid = products_with_images(client, 1, min_images=3)[0]
    shop = sn.read_images(client, [guid], progress=False)
    path = sn.export_captions(shop, tmp_path_factory.mktemp("typed") / f"t.{kind}")
    type_captions(path, kind, {3: typed})  # csv module: pandas leaves a lone CR unquoted

    edits = sn.read_captions(path)

    blank = typed.strip() == ""
    same = typed == (shop.iloc[1]["description"] if pd.notna(shop.iloc[1]["description"]) else "")
    if blank or same:
        assert edits.loc[3, "description"] is pd.NA
    else:
        assert edits.loc[3, "description"].encode("utf-8") == typed.encode("utf-8")
    others = edits.drop(index=3)["description"]
    assert others.isna().all()
    # The plan sends exactly that caption, or nothing.
    plan = sn.plan_updates(client, edits, progress=False)
    sent = [item for call in plan.requests["images"] for item in call]
    if blank or same:
        assert sent == []
    else:
        assert sent == [{"name": shop.iloc[1]["name"], "description": typed}]


# -- a real spreadsheet program ---------------------------------------------------------------

SOFFICE = shutil.which("soffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed here")
@pytest.mark.parametrize("kind", FORMATS)
def test_a_file_saved_again_by_libreoffice_still_plans_nothing(
    client: Any, images: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    """Open and save in LibreOffice Calc: the text it rewrites, it rewrites in both columns."""
    odd = set_captions(client, images, [*ODD_CAPTIONS, "a\r\nb"])
    source = sn.export_captions(odd, tmp_path / f"captions.{kind}")
    out = tmp_path / "saved"
    # CSV: comma, double quote, UTF-8 (what Calc's import dialog offers for this file).
    csv_options = [
        "--infilter=CSV:44,34,76,1",
        "--convert-to",
        "csv:Text - txt - csv (StarCalc):44,34,76,1",
    ]
    options = ["--convert-to", "xlsx"] if kind == "xlsx" else csv_options
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            *options,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = out / source.name
    assert saved.read_bytes() != source.read_bytes()  # LibreOffice wrote its own file

    edits = sn.read_captions(saved)

    assert len(edits) == len(odd)
    assert edits["invalid_reason"].isna().all()
    assert edits["description"].isna().all()
    assert edits["change_time"].tolist() == odd["change_time"].tolist()
    assert plan_for(client, edits).counts["would_update"] == 0
