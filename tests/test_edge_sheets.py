"""Sheets made from lint findings, in other languages, with mangled cells: never a lost caption.

Each test here was written against a defect seen on main (issue "Trust holes at the edges").
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.spreadsheet import SHEET_COLUMNS

from helpers import products_with_images


@pytest.fixture
def client() -> Any:
    return sn.sandbox(seed=3, products=30)


@pytest.fixture
def images(client: Any) -> pd.DataFrame:
    return sn.read_images(client, products_with_images(client, 3, min_images=3), progress=False)


def set_cell(path: Path, column: str, values: dict[int, Any]) -> None:
    """Type values into one column of the exported .xlsx (sheet row → value)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Captions"]
    letter = openpyxl.utils.get_column_letter(SHEET_COLUMNS.index(column) + 1)
    for row, value in values.items():
        sheet[f"{letter}{row}"].value = value
    book.save(path)


def sheet_rows(path: Path) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path)
    rows = list(book["Captions"].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def findings_sheet(client: Any, images: pd.DataFrame, tmp_path: Path) -> tuple[Path, dict]:
    """A sheet exported from lint findings; returns it and the first row's photo."""
    client.sandbox.set_image(*images.iloc[0][["guid", "gallery", "name"]], description="")
    fresh = sn.read_images(client, sorted(images["guid"].unique()), progress=False)
    findings = sn.lint_captions(fresh)
    path = sn.export_captions(findings, tmp_path / "todo.xlsx")
    first = sheet_rows(path)[0]
    return path, first


# -- 1. a sheet made from findings is conflict-checked -----------------------------------------


def test_findings_carry_the_photos_change_time(client: Any, images: pd.DataFrame) -> None:
    findings = sn.lint_captions(images.assign(description=""))
    assert len(findings) == len(images)
    assert findings["change_time"].notna().sum() > 0
    by_key = images.set_index(["guid", "gallery", "name"])
    keys = list(findings[["guid", "gallery", "name"]].itertuples(index=False, name=None))
    for column in ("change_time", "cdn_name"):
        expected = by_key.loc[keys, column].reset_index(drop=True)
        pd.testing.assert_series_equal(findings[column], expected, check_names=False)


def test_a_sheet_from_findings_never_overwrites_a_colleagues_newer_caption(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    path, first = findings_sheet(client, images, tmp_path)
    set_cell(path, "description", {2: "Copywriter's caption"})
    client.sandbox.advance_clock(5)
    client.sandbox.set_image(first["guid"], first["gallery"], first["name"], description="Theirs")
    plan = sn.plan_updates(client, sn.read_captions(path), progress=False)
    assert plan.rows.loc[2, "status"] == "conflict", plan.rows.loc[2, "reason"]
    assert plan.targets.empty


def test_a_sheet_whose_times_are_all_gone_is_checked_against_the_exported_caption(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    path, first = findings_sheet(client, images, tmp_path)
    rows = sheet_rows(path)
    set_cell(path, "change_time", {n: None for n in range(2, len(rows) + 2)})
    set_cell(path, "description", {2: "Copywriter's caption", 3: "Another caption"})
    client.sandbox.set_image(first["guid"], first["gallery"], first["name"], description="Theirs")
    edits = sn.read_captions(path)
    assert edits["change_time"].isna().all()
    plan = sn.plan_updates(client, edits, progress=False)
    assert plan.rows.loc[2, "status"] == "conflict"
    assert "exported" in plan.rows.loc[2, "reason"]
    # the photo nobody touched in the shop is written as usual
    assert plan.rows.loc[3, "status"] == "would_update"


# -- 2. languages survive lint and export ------------------------------------------------------


def test_lint_keeps_the_language_and_counts_duplicates_per_language(client: Any) -> None:
    cs = sn.read_images(client, progress=False)
    sk = sn.read_images(client, language="sk", progress=False)
    both = pd.concat([cs, sk], ignore_index=True)
    alone = [sn.lint_captions(frame) for frame in (cs, sk)]
    together = sn.lint_captions(both)
    assert "language" in together.columns
    dupes = [int((f["rule"] == "duplicate").sum()) for f in alone]
    assert int((together["rule"] == "duplicate").sum()) == sum(dupes)
    assert len(together) == sum(len(f) for f in alone)
    assert set(together["language"].dropna()) == {"sk"}


def test_a_sheet_from_slovak_findings_writes_slovak_captions(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    guids = sorted(images["guid"].unique())
    sk = sn.read_images(client, guids, language="sk", progress=False)
    findings = sn.lint_captions(sk.assign(description=""))
    path = sn.export_captions(findings.iloc[:1], tmp_path / "sk.xlsx")
    assert sheet_rows(path)[0]["language"] == "sk"
    set_cell(path, "description", {2: "Slovenský popis"})
    result = sn.update_images(client, sn.read_captions(path), progress=False)
    assert result.counts.get("updated") == 1
    guid, gallery, name = findings.iloc[0][["guid", "gallery", "name"]]
    after_sk = sn.read_images(client, [guid], language="sk", progress=False)
    after_cs = sn.read_images(client, [guid], progress=False)

    def pick(frame: pd.DataFrame) -> Any:
        row = (frame["name"] == name) & (frame["gallery"] == gallery)
        return frame.loc[row, "description"].fillna("").iloc[0]

    assert pick(after_sk) == "Slovenský popis"
    assert pick(after_cs) == pick(images[images["guid"] == guid])


# -- 3. two changes within one second ----------------------------------------------------------


def test_a_colleagues_change_in_the_same_second_is_a_conflict(
    client: Any, images: pd.DataFrame
) -> None:
    client.sandbox.freeze_clock()
    guid, gallery, name = images.iloc[0][["guid", "gallery", "name"]]
    client.sandbox.set_image(guid, gallery, name, description="Mine, just written")
    mine = sn.read_images(client, [guid], progress=False)
    # a colleague moves the photo and rewrites its caption within the same second
    client.sandbox.set_image(guid, gallery, name, description="Theirs", priority=999)
    theirs = sn.read_images(client, [guid], progress=False)
    row = (mine["name"] == name) & (mine["gallery"] == gallery)
    same = (theirs["name"] == name) & (theirs["gallery"] == gallery)
    assert theirs.loc[same, "change_time"].tolist() == mine.loc[row, "change_time"].tolist()
    # writing my whole frame back, with an edit of another photo, must not undo their change
    edited = mine.copy()
    other = mine.index[~row][0]
    edited.loc[other, "description"] = "An edit of another photo"
    plan = sn.plan_updates(client, edited, progress=False)
    assert plan.rows.loc[row, "status"].tolist() == ["conflict"]
    assert plan.rows.loc[other, "status"] == "would_update"
    sent = plan.targets
    assert name not in set(sent["name"])


# -- 10. line ends inside a caption --------------------------------------------------------------


@pytest.mark.parametrize("caption", ["two\r\nlines", "old\rmac", "mixed\r\nand\nand\rends"])
def test_csv_keeps_line_ends_typed_inside_a_caption(
    client: Any, images: pd.DataFrame, tmp_path: Path, caption: str
) -> None:
    path = sn.export_captions(images.iloc[:2], tmp_path / "todo.csv")
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    rows[1][SHEET_COLUMNS.index("description")] = caption
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
    edits = sn.read_captions(path)
    assert edits["description"].iloc[0] == caption


def test_xlsx_keeps_line_ends_typed_inside_a_caption(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    client.sandbox.set_image(
        *images.iloc[1][["guid", "gallery", "name"]], description="a\rb_x0041_"
    )
    fresh = sn.read_images(client, sorted(images["guid"].unique()), progress=False)
    path = sn.export_captions(fresh.iloc[:2], tmp_path / "todo.xlsx")
    # Excel stores a typed carriage return as the escape _x000D_ (XML would fold it into \n)
    set_cell(path, "description", {2: "two_x000D_\nlines_x000D_and\nmore _x005F_x0041_"})
    edits = sn.read_captions(path)
    assert edits["description"].iloc[0] == "two\r\nlines\rand\nmore _x0041_"
    # a caption holding \r and a literal escape-like text is untouched after the round trip
    assert pd.isna(edits["description"].iloc[1])
    assert edits["original_description"].iloc[1] == fresh["description"].iloc[1]


# -- 18. cells a spreadsheet program reformatted -----------------------------------------------


def test_reformatted_times_say_the_file_changed_and_plan_against_the_exported_caption(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    path = sn.export_captions(images.iloc[:3], tmp_path / "todo.xlsx")
    set_cell(path, "change_time", {2: "18.11.2021 04:29", 3: "18.11.2021 04:29"})
    set_cell(path, "description", {2: "New caption", 3: "Another new caption"})
    guid, gallery, name = images.iloc[1][["guid", "gallery", "name"]]
    client.sandbox.set_image(guid, gallery, name, description="A colleague's caption")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        edits = sn.read_captions(path)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "change_time" in messages[0]
    assert "rows 2, 3" in messages[0]
    assert "changed in the file" in messages[0]
    plan = sn.plan_updates(client, edits, progress=False)
    assert plan.rows.loc[2, "status"] == "would_update"
    assert plan.rows.loc[3, "status"] == "conflict"
    assert "changed in the file" in plan.rows.loc[3, "reason"]
    assert "after the frame was read" not in plan.rows.loc[3, "reason"]


def test_the_emptied_caption_warning_names_the_rows(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    with_captions = images[images["description"].fillna("").str.len() > 0]
    path = sn.export_captions(with_captions.iloc[:4], tmp_path / "todo.xlsx")
    set_cell(path, "description", {3: None, 5: ""})
    with pytest.warns(UserWarning, match=r"rows 3, 5") as caught:
        edits = sn.read_captions(path)
    assert "stay" in str(caught[0].message)
    assert edits["description"].isna().all()


def test_export_with_a_client_reads_the_times_a_frame_lacks(
    client: Any, images: pd.DataFrame, tmp_path: Path
) -> None:
    bare = images[["guid", "gallery", "name"]].iloc[:3]
    path = sn.export_captions(bare, tmp_path / "todo.xlsx", client=client)
    rows = sheet_rows(path)
    shop = images.iloc[:3]
    assert [r["change_time"] for r in rows] == [
        None if pd.isna(t) else t.isoformat() for t in shop["change_time"]
    ]
    assert [r["original_description"] for r in rows] == [
        None if pd.isna(d) or d == "" else d for d in shop["description"]
    ]


# -- 17. selecting the photos of findings by their key -------------------------------------------


def test_select_photos_matches_the_whole_key_not_the_file_name(client: Any) -> None:
    images = sn.read_images(client, progress=False)
    findings = sn.lint_captions(images)
    by_name = images[images["name"].isin(findings["name"])]
    picked = sn.select_photos(images, findings)
    flagged = set(findings[["guid", "gallery", "name"]].itertuples(index=False, name=None))
    assert set(picked[["guid", "gallery", "name"]].itertuples(index=False, name=None)) == flagged
    assert len(by_name) > len(picked)  # the file name alone picks photos without findings
    assert picked.index.is_monotonic_increasing


def test_select_photos_keeps_languages_apart(client: Any, images: pd.DataFrame) -> None:
    guids = sorted(images["guid"].unique())
    cs = sn.read_images(client, guids, progress=False)
    sk = sn.read_images(client, guids, language="sk", progress=False)
    both = pd.concat([cs, sk], ignore_index=True)
    picked = sn.select_photos(both, sn.lint_captions(sk.assign(description="")))
    assert len(picked) == len(sk)
    assert set(picked["language"]) == {"sk"}
