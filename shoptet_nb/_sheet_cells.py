"""What a spreadsheet cell can hold of a caption: shared by the export (which writes captions into
cells) and the plan (which tells a caption changed in the file from one the file only carried)."""

from __future__ import annotations

import re

import pandas as pd

# Characters XML 1.0 (so .xlsx) cannot hold; CSV could, but one rule for both keeps the files
# alike. Tab, LF and CR are allowed.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def sheet_text(values: pd.Series) -> pd.Series:
    """Captions as a sheet holds them, for telling a changed caption from one the file only
    carried: null is ``""``, what a cell cannot hold is U+FFFD, and every line end is LF (a
    spreadsheet program may rewrite them, in the hidden copy too)."""
    text = values.astype("string").fillna("")
    return text.str.replace(UNWRITABLE, REPLACEMENT, regex=True).str.replace(
        "\r\n?", "\n", regex=True
    )
