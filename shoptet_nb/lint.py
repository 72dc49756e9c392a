"""Find captions worth fixing: empty, file names, duplicates, too long, stray spaces, markup.

:func:`lint_captions` reads an image frame (the frame ``read_images`` returns) and returns one
row per finding; it changes nothing. The rules and their advice live in :data:`LINT_RULES`, the
one table the README and the gallery widget list them from. Everything is vectorised: 100,000
images take a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import LINT_COLUMNS, typed
from .edits import _ORDER_COLUMNS, _check_columns, _sorted_positions, _stem, _text
from .errors import ArgumentError

__all__ = ["LINT_RULES", "lint_captions"]

#: Every rule ``lint_captions`` checks, in the order findings of one image are listed, with the
#: message a finding carries. ``too_long`` fills in ``{length}`` and ``{max_length}``.
LINT_RULES: dict[str, str] = {
    "empty": "No caption: add one that describes the photo",
    "file_name": "The caption is a file name: describe what the photo shows instead",
    "duplicate": "Same caption as another image in this gallery: say what differs in this one",
    "too_long": "Caption has {length} characters, more than {max_length}: shorten it",
    "whitespace": "Spaces at the start, at the end or doubled inside: remove them",
    "markup": "Looks like HTML tags or entities: write plain text",
}

# Camera and phone file names (IMG_1234, DSC00012, DSCN0042, PXL_20240101_123456789, P1010001,
# GOPR0001, DJI_0001 ...), with or without an extension; matched on casefolded text.
_CAMERA = r"(?:img|dsc[nf]?|pxl|mvimg|gopr|gx|dji|sam|wp|p)[ _-]?\d{4,}(?:[ _-]\d+)*(?:\.\w{2,5})?"
_IMAGE_EXTENSION = r"\.(?:jpe?g|jfif|png|gif|webp|avif|heic|heif|bmp|tiff?|svg|raw|dng)$"
# `<tag`, `</tag`, `<!--`, and character references such as `&amp;`, `&#160;`, `&#xa0;`.
_MARKUP = r"</?[a-z][a-z0-9-]*(?=[\s/>])|<!--|&(?:[a-z][a-z0-9]{1,31}|#\d{1,7}|#x[0-9a-f]{1,6});"


def _mask(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=bool, na_value=False)


def lint_captions(df: pd.DataFrame, *, max_length: int = 125) -> pd.DataFrame:
    """One row per caption problem, with the columns of ``LINT_COLUMNS``.

    Rules (see :data:`LINT_RULES`): ``empty`` (no caption, or only whitespace — the other rules
    then do not apply), ``file_name`` (the caption is the file name or its stem, looks like a
    camera file name such as ``IMG_1234``, or ends in an image extension; any case),
    ``duplicate`` (the same caption, ignoring case and surrounding spaces, as another image of
    the same gallery; every image involved gets a finding), ``too_long`` (over ``max_length``
    characters), ``whitespace`` (leading, trailing or doubled whitespace), ``markup`` (HTML
    tags or entities). Sorted by guid, gallery, gallery order, then rule in table order; the
    index is a fresh RangeIndex.

    >>> findings = lint_captions(images)
    >>> findings["rule"].value_counts()
    """
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise ArgumentError(f"lint_captions(): max_length must be a whole number, got {max_length!r}")
    if max_length < 1:
        raise ArgumentError(f"lint_captions(): max_length must be 1 or more, got {max_length}")
    _check_columns(df, [*_ORDER_COLUMNS, "description"], "lint_captions")

    text = _text(df["description"])
    stripped = text.str.strip()
    empty = _mask(stripped.fillna("") == "")
    has = ~empty
    folded = stripped.str.casefold()
    names = _text(df["name"]).str.strip().str.casefold()

    file_name = has & (
        _mask(folded == names)
        | _mask(folded == _stem(names))
        | _mask(folded.str.fullmatch(_CAMERA))
        | _mask(folded.str.contains(_IMAGE_EXTENSION, regex=True))
    )

    duplicate = np.zeros(len(df), dtype=bool)
    if has.any():
        keys = pd.DataFrame(
            {
                "guid": df["guid"].to_numpy()[has],
                "gallery": df["gallery"].to_numpy()[has],
                "caption": folded.to_numpy()[has],
            }
        )
        duplicate[has] = keys.duplicated(keep=False).to_numpy()

    length = text.str.len().fillna(0).to_numpy(dtype="int64")
    too_long = has & (length > max_length)
    whitespace = has & (_mask(text != stripped) | _mask(text.str.contains(r"\s\s", regex=True)))
    markup = has & _mask(folded.str.contains(_MARKUP, regex=True))

    found = dict(
        zip(LINT_RULES, (empty, file_name, duplicate, too_long, whitespace, markup), strict=True)
    )
    rows = np.concatenate([np.flatnonzero(mask) for mask in found.values()])
    codes = np.concatenate(
        [np.full(int(mask.sum()), code, dtype="int64") for code, mask in enumerate(found.values())]
    )
    rank = np.empty(len(df), dtype="int64")
    rank[_sorted_positions(df, "lint_captions")] = np.arange(len(df))
    order = np.lexsort((codes, rank[rows]))
    rows, codes = rows[order], codes[order]

    rules = np.array(list(LINT_RULES), dtype=object)
    messages = np.array(list(LINT_RULES.values()), dtype=object)[codes]
    long_code = list(LINT_RULES).index("too_long")
    for i in np.flatnonzero(codes == long_code):
        messages[i] = LINT_RULES["too_long"].format(
            length=int(length[rows[i]]), max_length=max_length
        )
    findings = pd.DataFrame(
        {
            "guid": df["guid"].to_numpy()[rows],
            "gallery": df["gallery"].to_numpy()[rows],
            "name": df["name"].to_numpy()[rows],
            "rule": rules[codes],
            "message": messages,
            "description": text.to_numpy()[rows],
        }
    )
    return typed(findings, LINT_COLUMNS)
