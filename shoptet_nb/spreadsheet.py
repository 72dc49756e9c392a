"""Hand a caption worklist to a copywriter as a spreadsheet, and read their edits back.

:func:`export_captions` writes one row per photo to an ``.xlsx`` (needs openpyxl: the
``shoptet-nb[excel]`` extra) or a ``.csv`` file; :func:`read_captions` turns the filled-in file
into an edits frame for :func:`~shoptet_nb.plan_updates`. Nothing here talks to the shop.

Why a round trip cannot write what nobody typed:

* Each row carries, in hidden columns, the caption as exported (``original_description``),
  the photo's ``change_time`` and a checksum of its key (``key_check``). A caption cell still
  equal to its original is *untouched* and reads back as ``<NA>`` ("unchanged"): whatever a
  spreadsheet program does to the text when it saves (line ends, number-looking text), it does
  to both cells alike, so an untouched file plans no change even if the shop moved on since.
* A row whose ``guid``, ``gallery``, ``name`` or ``language`` no longer matches its checksum
  (or that was never exported) gets an ``invalid_reason``: the plan marks it ``invalid`` and
  never sends it, to that photo or any other.
* An edit is checked against the photo as exported: ``read_captions`` passes the exported
  ``change_time`` on, so ``plan_updates`` reports a photo changed in the shop since the export
  as ``conflict`` instead of overwriting it.
* An empty caption cell means "unchanged", like a null in any edits frame. To clear a caption,
  type ``[clear]`` in its cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._sheet_cells import REPLACEMENT, UNWRITABLE
from .columns import CAPTION_EDITS_COLUMNS, typed
from .edits import _check_columns
from .errors import ArgumentError, ConfigError, FrameError
from .lint import check_max_length, lint_captions
from .read import read_images

if TYPE_CHECKING:
    from .client import ShoptetClient

__all__ = ["CLEAR_MARKER", "export_captions", "read_captions"]

#: Type this in a caption cell to clear the caption (an empty cell means "unchanged").
CLEAR_MARKER = "[clear]"

KEY = ["guid", "gallery", "name"]
#: Columns of the exported sheet, in order. The first ones are the frame's own names, so the
#: file reads back with plain pandas too; the last three are hidden in the .xlsx.
SHEET_COLUMNS = [
    "guid",
    "gallery",
    "name",
    "language",
    "product_name",
    "url",
    "description",
    "length",
    "findings",
    "original_description",
    "change_time",
    "key_check",
]
_HIDDEN = ("original_description", "change_time", "key_check")
#: What ``read_captions`` cannot do without.
_REQUIRED = ["guid", "gallery", "name", "description", "original_description", "key_check"]
#: The columns of the edits frame ``read_captions`` returns.
EDITS_COLUMNS = list(CAPTION_EDITS_COLUMNS)
_WIDTHS = {
    "guid": 38,
    "gallery": 9,
    "name": 28,
    "language": 9,
    "product_name": 28,
    "url": 36,
    "description": 60,
    "length": 8,
    "findings": 48,
    "original_description": 20,
    "change_time": 26,
    "key_check": 18,
}
CAPTIONS_SHEET = "Captions"
HELP_SHEET = "How to fill in"
#: Data rows an .xlsx sheet holds (1,048,576 rows, one of them the header).
_XLSX_MAX_ROWS = 1_048_575
#: Excel refuses a sheet with more hyperlinks than this; later URLs are written as plain text.
_XLSX_MAX_LINKS = 65_530
_SEPARATORS = (",", ";", "\t")


def export_captions(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    max_length: int = 125,
    client: ShoptetClient | None = None,
    progress: bool = True,
) -> Path:
    """Write a worklist of captions to ``path`` (``.xlsx`` or ``.csv``) for a copywriter.

    ``frame`` is any frame with ``guid``, ``gallery`` and ``name``: a ``read_images`` frame, a
    slice of it, or ``lint_captions`` findings (their messages become the ``findings`` column).
    One row per photo and language, in the frame's order; a photo listed twice is written
    once, with a warning (findings are joined, that is not a duplicate). Columns: ``guid``,
    ``gallery``, ``name``, ``language``, ``product_name``, ``url``, ``description`` (the
    caption to edit), ``length``, ``findings`` (``lint_captions`` messages at export time,
    ``max_length`` for too long), and the hidden ``original_description``, ``change_time`` and
    ``key_check`` that let :func:`read_captions` tell an edit from an untouched cell, catch
    altered keys, and have the plan hold back (``conflict``) an edit of a photo changed in the
    shop since the export.

    The conflict check needs each photo's ``change_time`` as read with its caption: frames
    from ``read_images`` and ``lint_captions`` carry it. For a frame without it (no
    ``change_time`` column, or one with nothing in it), pass ``client=``: those photos are read
    from the shop (a progress bar unless ``progress=False``) and exported with the shop's
    caption and time; without ``client`` such a frame is a FrameError before anything is
    written. A sheet whose times are lost on the way back is still checked when read back,
    against the caption exported.

    The ``.xlsx`` has a frozen header, an auto filter, a ``length`` formula that counts as the
    copywriter types (red over ``max_length``), and sheet protection without a password: only
    the ``description`` cells are editable; columns may be resized and rows filtered. A second
    sheet, "How to fill in", explains it. A ``.csv`` is UTF-8 with a byte order mark (so Excel
    reads Czech text right), comma-separated, with ``length`` as a number; it is meant for
    other tools: Excel runs cells that start with ``=`` as formulas, use the ``.xlsx`` there.
    Characters a spreadsheet cannot hold (control characters other than tab and line breaks)
    are written as U+FFFD. Returns the path written.

    >>> findings = shoptet_nb.lint_captions(images)
    >>> todo = shoptet_nb.select_photos(images, findings)  # by guid, gallery, language, name
    >>> shoptet_nb.export_captions(todo, "todo.xlsx")      # or export_captions(findings, ...)
    """
    check_max_length(max_length, "export_captions")
    _check_columns(frame, KEY, "export_captions")
    if client is not None:
        frame = _with_shop_reads(client, frame, progress)
    else:
        _check_times(frame)
    target = Path(path)
    kind = _kind(target, "export_captions")
    if kind == "xlsx":
        _openpyxl()  # a missing extra is said before any work is done
    rows = _worklist(frame, max_length)
    count = len(rows["key_check"])
    if kind == "xlsx":
        if count > _XLSX_MAX_ROWS:
            raise ArgumentError(
                f"export_captions(): {count:,} photos do not fit in one .xlsx sheet "
                f"({_XLSX_MAX_ROWS:,} rows at most): split the frame or write a .csv"
            )
        _write_xlsx(rows, target, max_length)
    else:
        _write_csv(rows, target)
    return target


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
    kind = _kind(source, "read_captions")
    if not source.is_file():
        raise ArgumentError(f"read_captions(): no file {str(source)!r}")
    header, records = _read_xlsx(source) if kind == "xlsx" else _read_csv(source)
    return _edits_from_sheet(source.name, header, records)


# -- shared -----------------------------------------------------------------------------------


def _check_times(frame: pd.DataFrame) -> None:
    """FrameError for a frame that holds no photo's change_time: its sheet could not tell a
    caption someone changed after the export (a null here and there is the shop's own: an
    image Shoptet gives no changeTime)."""
    times = frame["change_time"] if "change_time" in frame.columns else None
    if frame.empty or (times is not None and times.notna().any()):
        return
    raise FrameError(
        f"export_captions(): the frame has no change_time for its {len(frame)} row(s) (lint "
        "findings of a frame without it, or a frame built by hand), and the sheet needs each "
        "photo's time to hold back an edit of a caption someone changes in the shop after the "
        "export. Pass client= to read the photos from the shop: export_captions(frame, path, "
        "client=client); or export the read_images rows: "
        "export_captions(shoptet_nb.select_photos(images, findings), path)"
    )


def _with_shop_reads(client: ShoptetClient, frame: pd.DataFrame, progress: bool) -> pd.DataFrame:
    """``frame`` with the caption, time and CDN name of the shop for rows without a time:
    a time is only worth its caption read with it."""
    times = frame["change_time"] if "change_time" in frame.columns else None
    lacking = (
        pd.Series(True, index=frame.index)
        if times is None
        else pd.to_datetime(times, utc=True, errors="coerce", format="ISO8601").isna()
    )
    if not lacking.any():
        return frame
    out = frame.copy()
    languages = (
        out["language"].astype("string")
        if "language" in out.columns
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    for code in languages[lacking].unique():
        rows = lacking & (languages.isna() if pd.isna(code) else languages == code).to_numpy()
        subset = out[rows]
        read = read_images(
            client,
            sorted(subset["guid"].astype(str).unique()),
            gallery=sorted(subset["gallery"].astype(str).unique()),
            language=None if pd.isna(code) else str(code),
            progress=progress,
        )
        shop = read.set_index(KEY)
        keys = pd.MultiIndex.from_frame(subset[KEY].astype(str))
        found = keys.isin(shop.index)
        for column in ("description", "change_time", "cdn_name", "product_name", "url"):
            values = shop[column].reindex(keys)
            if column not in out.columns:
                out[column] = pd.Series(index=out.index, dtype=values.dtype)
            elif column == "change_time":
                out[column] = pd.to_datetime(
                    out[column], utc=True, errors="coerce", format="ISO8601"
                )
            target = subset.index[found]
            out.loc[target, column] = values[found].to_numpy()
    return out


def _kind(path: Path, func: str) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("xlsx", "csv"):
        raise ArgumentError(
            f"{func}(): {path.name!r} is neither .xlsx nor .csv; the extension chooses the format"
        )
    return kind


def _openpyxl() -> ModuleType:
    # Optional: only .xlsx needs it, and `import shoptet_nb` must not.
    try:
        import openpyxl
    except ImportError as exc:
        raise ConfigError(
            "writing or reading .xlsx needs openpyxl: pip install 'shoptet-nb[excel]' "
            "(or use a .csv file)"
        ) from exc
    return openpyxl


def _key_check(guid: object, gallery: object, name: object, language: object) -> str:
    """A short checksum of a photo's key: it tells an altered key cell from an exported one."""
    text = "\x1f".join("" if v is None else str(v) for v in (guid, gallery, name, language))
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    # The letter keeps a spreadsheet from reading an all-digit (or "12e34") digest as a number.
    return "k" + digest


def _strings(values: pd.Series) -> list[str | None]:
    """Text for the file: nulls become None, characters the file cannot hold U+FFFD."""
    text = values.astype("string")
    if text.str.contains(UNWRITABLE, regex=True).fillna(False).any():
        text = text.str.replace(UNWRITABLE, REPLACEMENT, regex=True)
    # copy=True: a view would let the next line write into the caller's frame.
    plain = text.to_numpy(dtype=object, copy=True)
    plain[text.isna().to_numpy()] = None
    return plain.tolist()


def _worklist(frame: pd.DataFrame, max_length: int) -> dict[str, list[Any]]:
    """One value per photo for each of the SHEET_COLUMNS: plain Python (None for empty)."""
    findings_given = {"rule", "message"} <= set(map(str, frame.columns))
    # A photo's caption is per language: the same photo in two languages is two rows.
    language = (
        frame["language"].astype("string")
        if "language" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    keys = list(zip(*(frame[c].astype(str).tolist() for c in KEY), language.tolist(), strict=True))
    repeated = pd.Series(keys, dtype=object).duplicated().to_numpy()
    if repeated.any() and not findings_given:
        warnings.warn(
            f"export_captions(): {int(repeated.sum())} row(s) repeat a photo (guid, gallery, "
            "name, language) listed before; each photo is written once, from its first row",
            UserWarning,
            stacklevel=3,
        )
    photos = frame[~repeated].assign(language=language[~repeated])

    def column(name: str) -> pd.Series:
        if name in photos.columns:
            return photos[name]
        return pd.Series(pd.NA, index=photos.index, dtype="string")

    messages: list[tuple[tuple[Any, ...], Any]] = []
    if findings_given:
        messages = list(zip(keys, frame["message"].tolist(), strict=True))
    else:
        lintable = photos.assign(priority=column("priority"), description=column("description"))
        for code, group in lintable.groupby(lintable["language"], dropna=False, sort=False):
            linted = lint_captions(group, max_length=max_length)
            linted_keys = zip(*(linted[c].astype(str).tolist() for c in KEY), strict=True)
            messages += [
                ((*k, code), m)
                for k, m in zip(linted_keys, linted["message"].tolist(), strict=True)
            ]
    joined: dict[tuple[Any, ...], list[str]] = {}
    for key, message in messages:
        if isinstance(message, str) and message not in joined.setdefault(key, []):
            joined[key].append(message)

    rows: dict[str, list[Any]] = {name: _strings(column(name)) for name in SHEET_COLUMNS[:7]}
    rows["length"] = [len(v) if v is not None else 0 for v in rows["description"]]
    photo_keys = [k for k, dup in zip(keys, repeated, strict=True) if not dup]
    rows["findings"] = ["\n".join(joined.get(k, [])) or None for k in photo_keys]
    rows["original_description"] = rows["description"]
    times = pd.to_datetime(column("change_time"), utc=True, errors="coerce")
    rows["change_time"] = [None if pd.isna(t) else t.isoformat() for t in times]
    rows["key_check"] = [
        _key_check(*k)
        for k in zip(rows["guid"], rows["gallery"], rows["name"], rows["language"], strict=True)
    ]
    return rows


# -- .xlsx ------------------------------------------------------------------------------------

_HELP = """\
How to fill in this sheet

Each row of the sheet "{captions}" is one product photo. Write its caption (the alt text that
screen readers read out and search engines index) in the column "description". Everything
else is locked.

- Describe what the photo shows, in a sentence or less: "Red backpack, side pocket open".
  Keep it under {max_length} characters: "length" counts as you type and turns red above that.
- "findings" lists what was wrong with the caption when the sheet was made. It does not
  change as you type.
- Leave a cell as it is to keep the caption. An empty cell also keeps it.
- To remove a caption altogether, type {clear} in its cell.
- Write in the language of the column "language" (empty: the shop's main language).
- You may filter rows and resize columns. Do not sort, add or delete rows, and do not change
  guid, gallery, name or language: such rows are refused when the sheet is read back.
- If someone changes a photo in the shop while you work, your caption for it is held back
  for a person to look at; it never silently replaces theirs.
- Save the file as .xlsx (File > Save) and send it back.
"""


def _write_xlsx(rows: dict[str, list[Any]], path: Path, max_length: int) -> None:
    openpyxl = _openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(CAPTIONS_SHEET)
    letters = {name: get_column_letter(i) for i, name in enumerate(SHEET_COLUMNS, 1)}
    for name, letter in letters.items():
        sheet.column_dimensions[letter].width = _WIDTHS[name]
        sheet.column_dimensions[letter].hidden = name in _HIDDEN
    last = len(rows["key_check"]) + 1
    # The size is known before the first row: say so at the top of the sheet, as Excel does.
    # Without it, openpyxl's read-only mode parses the whole sheet once just to find its size.
    sheet.calculate_dimension = lambda: f"A1:{letters['key_check']}{last}"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{letters['findings']}{last}"
    # Locked cells, no password: the lock prevents slips, it is not a security boundary.
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False  # False = allowed: resize columns
    protection.formatRows = False
    protection.autoFilter = False
    if last > 1:  # an empty worklist has no length cells to colour
        sheet.conditional_formatting.add(
            f"{letters['length']}2:{letters['length']}{last}",
            CellIsRule(  # type: ignore[no-untyped-call]
                operator="greaterThan",
                formula=[str(max_length)],
                font=Font(color="9C0006"),
                fill=PatternFill(bgColor="FFC7CE", fill_type="solid"),
            ),
        )

    bold = Font(bold=True)
    sheet.append([_styled(WriteOnlyCell(sheet, name), font=bold) for name in SHEET_COLUMNS])
    wrap = Alignment(wrap_text=True, vertical="top")
    link_cell = _cell_maker(sheet, font=Font(color="0563C1", underline="single"))
    # Text format: what the copywriter types stays text ("007" is not turned into 7).
    caption_cell = _cell_maker(
        sheet, alignment=wrap, protection=Protection(locked=False), number_format="@"
    )
    findings_cell = _cell_maker(sheet, alignment=wrap)
    description_letter = letters["description"]
    for offset, values in enumerate(zip(*(rows[c] for c in SHEET_COLUMNS), strict=True)):
        row = offset + 2
        guid, gallery, name, language, product, url, caption, _, findings = values[:9]
        original, time, check = values[9:]
        caption, original, product, findings = map(
            _xlsx_escape, (caption, original, product, findings)
        )
        if url is not None and offset < _XLSX_MAX_LINKS:
            url_cell = link_cell(url)
            url_cell.hyperlink = Hyperlink(ref="", target=url)
        else:
            url_cell = _text(sheet, url)
        sheet.append(
            [
                _text(sheet, guid),
                _text(sheet, gallery),
                _text(sheet, name),
                _text(sheet, language),
                _text(sheet, product),
                url_cell,
                caption_cell(caption),
                f"=LEN({description_letter}{row})",
                findings_cell(findings),
                _text(sheet, original),
                time,
                check,
            ]
        )

    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 100
    text = _HELP.format(captions=CAPTIONS_SHEET, max_length=max_length, clear=CLEAR_MARKER)
    for index, line in enumerate(text.splitlines()):
        cell = _styled(WriteOnlyCell(help_sheet, line or None), alignment=wrap)
        help_sheet.append([_styled(cell, font=bold) if index == 0 else cell])
    book.save(path)


# XML turns a carriage return into a line feed when the file is read, so .xlsx stores it as
# the escape _x000D_ (as Excel does), and a literal "_xHHHH_" in a text gets its underscore
# escaped (_x005F_) so that it is not read as an escape. openpyxl does neither.
_XLSX_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|\r")
_XLSX_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xlsx_escape(value: str | None) -> str | None:
    if value is None:
        return None
    return _XLSX_ESCAPE.sub(lambda m: "_x005F_" if m.group() == "_" else "_x000D_", value)


def _xlsx_unescape(value: str) -> str:
    return _XLSX_UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _styled(cell: Any, **styles: Any) -> Any:
    for attribute, value in styles.items():
        setattr(cell, attribute, value)
    return cell


def _cell_maker(sheet: Any, **styles: Any) -> Callable[[str | None], Any]:
    """A function making text cells with these styles."""
    from openpyxl.cell import WriteOnlyCell

    def make(value: str | None) -> Any:
        cell = _styled(WriteOnlyCell(sheet, None), **styles)
        _set_text(cell, value)
        return cell

    return make


def _set_text(cell: Any, value: str | None) -> None:
    # Bypass openpyxl's type guessing: a caption such as "=1+1" or "#N/A" is text, never a
    # formula or an error value. The text was already made writable by _strings().
    if value is None or value == "":
        return
    cell._value = value
    cell.data_type = "s"


def _text(sheet: Any, value: str | None) -> Any:
    """A plain text cell: the bare string unless openpyxl would take it for something else."""
    if value is None or not value.startswith(("=", "#")):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, None)
    _set_text(cell, value)
    return cell


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    openpyxl = _openpyxl()
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
        return _xlsx_unescape(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


# -- .csv -------------------------------------------------------------------------------------


def _write_csv(rows: dict[str, list[Any]], path: Path) -> None:
    # utf-8-sig: the byte order mark is how Excel knows the file is UTF-8 (Czech diacritics).
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(SHEET_COLUMNS)
        writer.writerows(zip(*(rows[c] for c in SHEET_COLUMNS), strict=True))


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
    missing = [c for c in _REQUIRED if c not in position]
    if missing:
        raise FrameError(
            f"read_captions(): {file_name!r} lacks the column(s) {', '.join(missing)} (it has "
            f"{', '.join(repr(h) for h in header if h) or 'no header'}); read_captions reads "
            "the files export_captions writes, with their header row unchanged"
        )
    wanted = [*_REQUIRED, "language", "product_name", "url", "change_time"]
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
        numbers, *(picked[c] for c in [*_REQUIRED, "language"]), strict=True
    ):
        descriptions.append(_typed_caption(cell, original))
        if descriptions[-1] is None and not _blank(original) and _blank(cell):
            emptied.append(number)
        if check is None:
            reasons.append(
                "this row was not in the exported sheet (no key_check): the sheet edits only "
                "the photos export_captions wrote; export the photo to add it"
            )
        elif check.strip() != _key_check(guid, gallery, name, language):
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
