"""The sheet both directions agree on: its columns, the key checksum, and .xlsx escapes.

:mod:`.export` and :mod:`.xlsx_writer` write what is declared here; :mod:`.read_back` reads
it back and checks the rows against it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import ModuleType

from ..columns import CAPTION_EDITS_COLUMNS
from ..errors import ArgumentError, ConfigError

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
#: Columns hidden in the .xlsx: what the round trip checks against, not for the copywriter.
HIDDEN = ("original_description", "change_time", "key_check")
#: What ``read_captions`` cannot do without.
REQUIRED = ["guid", "gallery", "name", "description", "original_description", "key_check"]
#: The columns of the edits frame ``read_captions`` returns.
EDITS_COLUMNS = list(CAPTION_EDITS_COLUMNS)
#: Column widths in the .xlsx, in characters.
WIDTHS = {
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


def file_kind(path: Path, func: str) -> str:
    """``"xlsx"`` or ``"csv"``, from the extension; an ArgumentError naming ``func`` else."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("xlsx", "csv"):
        raise ArgumentError(
            f"{func}(): {path.name!r} is neither .xlsx nor .csv; the extension chooses the format"
        )
    return kind


def require_openpyxl() -> ModuleType:
    """The openpyxl module, or a ConfigError that says how to install it."""
    # Optional: only .xlsx needs it, and `import shoptet_nb` must not.
    try:
        import openpyxl
    except ImportError as exc:
        raise ConfigError(
            "writing or reading .xlsx needs openpyxl: pip install 'shoptet-nb[excel]' "
            "(or use a .csv file)"
        ) from exc
    return openpyxl


def key_check(guid: object, gallery: object, name: object, language: object) -> str:
    """A short checksum of a photo's key: it tells an altered key cell from an exported one."""
    text = "\x1f".join("" if v is None else str(v) for v in (guid, gallery, name, language))
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    # The letter keeps a spreadsheet from reading an all-digit (or "12e34") digest as a number.
    return "k" + digest


# XML turns a carriage return into a line feed when the file is read, so .xlsx stores it as
# the escape _x000D_ (as Excel does), and a literal "_xHHHH_" in a text gets its underscore
# escaped (_x005F_) so that it is not read as an escape. openpyxl does neither.
_XLSX_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|\r")
_XLSX_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xlsx_escape(value: str | None) -> str | None:
    """Text as an .xlsx cell stores it (see above); None stays None."""
    if value is None:
        return None
    return _XLSX_ESCAPE.sub(lambda m: "_x005F_" if m.group() == "_" else "_x000D_", value)


def xlsx_unescape(value: str) -> str:
    """The text an .xlsx cell's escaped value stands for."""
    return _XLSX_UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
