"""The ``.xlsx`` of :func:`~shoptet_nb.export_captions`: locked but for the captions, with a
live length count and a sheet that says how to fill it in (needs openpyxl)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .layout import (
    CAPTIONS_SHEET,
    CLEAR_MARKER,
    HELP_SHEET,
    HIDDEN,
    SHEET_COLUMNS,
    WIDTHS,
    require_openpyxl,
    xlsx_escape,
)

#: Excel refuses a sheet with more hyperlinks than this; later URLs are written as plain text.
_XLSX_MAX_LINKS = 65_530

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


def write_xlsx(rows: dict[str, list[Any]], path: Path, max_length: int) -> None:
    """Write the worklist ``rows`` (see ``export._worklist``) to ``path`` as an .xlsx."""
    openpyxl = require_openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(CAPTIONS_SHEET)
    letters = {name: get_column_letter(i) for i, name in enumerate(SHEET_COLUMNS, 1)}
    for name, letter in letters.items():
        sheet.column_dimensions[letter].width = WIDTHS[name]
        sheet.column_dimensions[letter].hidden = name in HIDDEN
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
            xlsx_escape, (caption, original, product, findings)
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
