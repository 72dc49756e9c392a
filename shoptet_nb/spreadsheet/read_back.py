"""``read_captions``: a filled-in worklist (``.xlsx`` or ``.csv``) back as an edits frame.

Every row is checked against what :func:`~shoptet_nb.export_captions` wrote (see
:mod:`.layout`): an untouched caption reads as unchanged, an altered key as invalid.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from ..columns import CAPTION_EDITS_COLUMNS, typed
from ..errors import ArgumentError, FrameError
from .layout import (
    CAPTIONS_SHEET,
    CLEAR_MARKER,
    REQUIRED,
    file_kind,
    key_check,
    require_openpyxl,
    xlsx_unescape,
)

_SEPARATORS = (",", ";", "\t")


def read_captions(path: str | Path) -> pd.DataFrame:
    """Read a file :func:`export_captions` wrote (and a copywriter filled in) as an edits frame.

    Returns one row per photo row of the sheet, indexed by the sheet's row number
    (``sheet_row``; the header is row 1), with the ``string`` columns ``guid``, ``gallery``,
    ``name``, ``description``, ``product_name``, ``url``, ``original_description`` and
    ``invalid_reason``, and ``change_time`` (the photo's ``change_time`` at the export: the
    plan reports an edit of a photo changed since then as ``conflict``): pass it to
    ``plan_updates`` as it is. ``description`` is ``<NA>`` where the
    cell is untouched or empty (unchanged), the typed text where it was edited (exactly as
    typed), and ``""`` where the cell says ``[clear]``. A row whose key cells were altered, or
    that was not exported, has an ``invalid_reason``, so the plan marks it ``invalid`` and
    never sends it. Emptied captions (they stay unchanged) and time cells changed in the file
    are named in a warning; the plan checks a row without a time against its
    ``original_description``. Raises
    FrameError naming the missing columns for a sheet from another tool.

    >>> edits = shoptet_nb.read_captions("todo.xlsx")
    >>> plan = shoptet_nb.plan_updates(client, edits)
    """
    source = Path(path)
    kind = file_kind(source, "read_captions")
    if not source.is_file():
        raise ArgumentError(f"read_captions(): no file {str(source)!r}")
    header, records = _read_xlsx(source) if kind == "xlsx" else _read_csv(source)
    return _edits_from_sheet(source.name, header, records)


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    openpyxl = require_openpyxl()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ArgumentError(
            f"read_captions(): {path.name!r} is not a readable .xlsx workbook ({exc})"
        ) from exc
    try:
        sheet = book[CAPTIONS_SHEET] if CAPTIONS_SHEET in book.sheetnames else book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [_cell_text(v) or "" for v in next(values, ())]
        records = [(number, [_cell_text(v) for v in row]) for number, row in enumerate(values, 2)]
    finally:
        book.close()  # read-only mode keeps the file open until closed
    return header, records


def _cell_text(value: object) -> str | None:
    """A cell's value as the text it shows (a spreadsheet may store typed digits as numbers)."""
    if value is None:
        return value
    if isinstance(value, str):
        return xlsx_unescape(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    try:
        # newline="": a line end typed inside a quoted caption (\r\n, \r) stays as typed.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise ArgumentError(
            f"read_captions(): {path.name!r} is not UTF-8 text; in Excel save it as "
            "'CSV UTF-8', or send the .xlsx"
        ) from exc
    first_line = re.split("[\r\n]", text, maxsplit=1)[0]
    # Excel saves CSV with the list separator of its locale: ';' in Czech, ',' in English.
    separator = max(_SEPARATORS, key=first_line.count)
    # newline="": only CR and LF end a line, as the csv module expects (str.splitlines would
    # also split at U+2028 and friends inside a caption).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = [cell.strip() for cell in next(reader, [])]
    records = [
        (number, [cell if cell != "" else None for cell in row])
        for number, row in enumerate(reader, 2)
    ]
    return header, records


# -- reading back -----------------------------------------------------------------------------


def _edits_from_sheet(
    file_name: str, header: Sequence[str], records: Iterable[tuple[int, list[str | None]]]
) -> pd.DataFrame:
    position = {name.strip(): i for i, name in reversed(list(enumerate(header))) if name}
    missing = [c for c in REQUIRED if c not in position]
    if missing:
        raise FrameError(
            f"read_captions(): {file_name!r} lacks the column(s) {', '.join(missing)} (it has "
            f"{', '.join(repr(h) for h in header if h) or 'no header'}); read_captions reads "
            "the files export_captions writes, with their header row unchanged"
        )
    wanted = [*REQUIRED, "language", "product_name", "url", "change_time"]
    picked: dict[str, list[str | None]] = {name: [] for name in wanted}
    numbers: list[int] = []
    for number, row in records:
        if all(v is None or v.strip() == "" for v in row):
            continue  # a blank line or row
        numbers.append(number)
        for name in wanted:
            i = position.get(name)
            picked[name].append(row[i] if i is not None and i < len(row) else None)

    descriptions: list[str | None] = []
    reasons: list[str | None] = []
    emptied: list[int] = []
    for number, guid, gallery, name, cell, original, check, language in zip(
        numbers, *(picked[c] for c in [*REQUIRED, "language"]), strict=True
    ):
        descriptions.append(_typed_caption(cell, original))
        if descriptions[-1] is None and not _blank(original) and _blank(cell):
            emptied.append(number)
        if check is None:
            reasons.append(
                "this row was not in the exported sheet (no key_check): the sheet edits only "
                "the photos export_captions wrote; export the photo to add it"
            )
        elif check.strip() != key_check(guid, gallery, name, language):
            reasons.append(
                "guid, gallery, name or language differ from what was exported (key_check "
                "does not match): not sent; restore them from the exported file"
            )
        else:
            reasons.append(None)
    if emptied:
        warnings.warn(
            f"read_captions(): the caption cells of {_rows(emptied)} were emptied; an empty "
            f"cell means unchanged, so those captions stay; type {CLEAR_MARKER} to clear a "
            "caption",
            UserWarning,
            stacklevel=3,
        )
    times, mangled = _export_times(picked["change_time"], numbers)
    if mangled:
        warnings.warn(
            f"read_captions(): the change_time cells of {_rows(mangled)} were changed in the "
            "file (a spreadsheet program may have reformatted them); edits of those photos are "
            "checked against the caption exported instead",
            UserWarning,
            stacklevel=3,
        )
    frame = pd.DataFrame(
        {
            "guid": picked["guid"],
            "gallery": picked["gallery"],
            "name": picked["name"],
            "language": picked["language"],
            "description": descriptions,
            "product_name": picked["product_name"],
            "url": picked["url"],
            "original_description": picked["original_description"],
            # A time a spreadsheet program mangled becomes NaT: the plan then checks the
            # edit against original_description instead.
            "change_time": times,
            "invalid_reason": reasons,
        }
    )
    frame.index = pd.Index(numbers, name="sheet_row", dtype="int64")
    return typed(frame, CAPTION_EDITS_COLUMNS)


#: The times export_captions writes (``Timestamp.isoformat()``), always with their UTC offset.
_EXPORTED_TIME = re.compile(
    r"\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})\s*"
)


def _export_times(cells: list[str | None], numbers: list[int]) -> tuple[pd.Series, list[int]]:
    """The exported times (NaT where a cell is empty or not as written) and the rows whose
    cell was changed. Only the ISO form export_captions writes is read: "18.11.2021 04:29" may
    be day-first or month-first, and pandas would guess (and warn); a date cell a spreadsheet
    program made of the text ("2021-11-18T04:29:00" from an .xlsx) has lost its zone."""
    exact = [c if c is not None and _EXPORTED_TIME.fullmatch(c) else None for c in cells]
    times = pd.to_datetime(
        pd.Series(exact, dtype=object), utc=True, errors="coerce", format="ISO8601"
    )
    unreadable = [
        number
        for number, cell, time_ in zip(numbers, cells, times, strict=True)
        if pd.isna(time_) and not _blank(cell)
    ]
    return times, unreadable


def _rows(numbers: list[int], most: int = 10) -> str:
    """ "row 4" / "rows 2, 3, 7" / "rows 2, 3, … (12 rows)" for a message."""
    shown = ", ".join(map(str, numbers[:most]))
    if len(numbers) == 1:
        return f"row {shown}"
    more = f", … ({len(numbers)} rows)" if len(numbers) > most else ""
    return f"rows {shown}{more}"


def _blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def _typed_caption(typed: str | None, original: str | None) -> str | None:
    """The caption to send for one row: None = unchanged."""
    if typed == original or (_blank(typed) and _blank(original)):
        return None  # untouched: the same text as exported
    if typed is not None and typed.strip().casefold() == CLEAR_MARKER:
        return ""
    if _blank(typed):
        return None  # emptied: an empty cell means unchanged
    return typed
