"""Find captions worth fixing: empty, file names, duplicates, too long, stray spaces, markup.

:func:`lint_captions` reads an image frame (the frame ``read_images`` returns) and returns one
row per finding; it changes nothing. The rules and their advice live in :data:`LINT_RULES`, the
one table the README and the gallery widget list them from. The checks are vectorised and run
once per distinct caption: 100,000 images take well under a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .columns import LINT_COLUMNS, typed
from .edits import _ORDER_COLUMNS, _check_columns, _languages, _sorted_positions, _stem, _text
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
_FILE_LIKE = rf"^{_CAMERA}$|{_IMAGE_EXTENSION}"
# Whitespace at either end, or two in a row inside.
_BAD_SPACE = r"^\s|\s$|\s\s"
# `<tag`, `</tag`, `<!--`, and character references such as `&amp;`, `&#160;`, `&#xa0;`.
_MARKUP = r"</?[a-z][a-z0-9-]*(?=[\s/>])|<!--|&(?:[a-z][a-z0-9]{1,31}|#\d{1,7}|#x[0-9a-f]{1,6});"

#: The patterns behind the rules that look at one caption alone, written in the part of regex
#: syntax Python and JavaScript read alike: the caption worklist compiles these same strings in
#: the browser to show hints while the user types. ``file_name`` and ``markup`` are matched on
#: the stripped, lower-cased caption; ``whitespace`` on the caption as it is.
RULE_PATTERNS: dict[str, str] = {
    "file_name": _FILE_LIKE,
    "whitespace": _BAD_SPACE,
    "markup": _MARKUP,
}


def check_max_length(max_length: object, func: str) -> None:
    """Raise ArgumentError unless ``max_length`` is a whole number of 1 or more."""
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise ArgumentError(f"{func}(): max_length must be a whole number, got {max_length!r}")
    if max_length < 1:
        raise ArgumentError(f"{func}(): max_length must be 1 or more, got {max_length}")


def lint_captions(df: pd.DataFrame, *, max_length: int = 125) -> pd.DataFrame:
    """One row per caption problem, with the columns of ``LINT_COLUMNS``.

    Rules (see :data:`LINT_RULES`): ``empty`` (no caption, or only whitespace — the other rules
    then do not apply), ``file_name`` (the caption is the file name or its stem, looks like a
    camera file name such as ``IMG_1234``, or ends in an image extension; any case),
    ``duplicate`` (the same caption, ignoring case and surrounding spaces, as another image of
    the same gallery in the same language; every image involved gets a finding), ``too_long``
    (over ``max_length`` characters), ``whitespace`` (leading, trailing or doubled
    whitespace), ``markup`` (HTML tags or entities). Sorted by guid, gallery, language,
    gallery order, then rule in table order; the index is a fresh RangeIndex.

    A finding keeps the photo's ``language`` and the ``change_time`` and ``cdn_name`` it was
    read with (null where ``df`` lacks them): a sheet or worklist made from findings writes in
    that language and is conflict-checked against that read.

    >>> findings = lint_captions(images)
    >>> findings["rule"].value_counts()
    """
    check_max_length(max_length, "lint_captions")
    _check_columns(df, [*_ORDER_COLUMNS, "description"], "lint_captions")

    # Captions repeat a lot (empty ones, templated ones): check each distinct caption once and
    # spread the answers back with the factorize codes (code -1, a null, picks the last slot).
    codes, uniques = pd.factorize(df["description"])
    text = _text(pd.Series(uniques, dtype="string"))
    stripped = text.str.strip()

    def lift(values: pd.Series, null: Any) -> np.ndarray:
        spread: np.ndarray = np.append(values.to_numpy(dtype=object, na_value=null), [null])
        return spread[codes]

    has = lift(stripped.str.len() > 0, False).astype(bool)
    empty = ~has
    folded_unique = stripped.str.casefold()
    folded = lift(folded_unique, None)
    looks_like_file = lift(
        folded_unique.str.contains(RULE_PATTERNS["file_name"], regex=True), False
    )
    length = lift(text.str.len(), 0).astype("int64")
    spaces = lift(text.str.contains(RULE_PATTERNS["whitespace"], regex=True), False)
    tags = lift(folded_unique.str.contains(RULE_PATTERNS["markup"], regex=True), False)

    names = _text(df["name"]).str.strip().str.casefold()
    file_name = has & (
        looks_like_file.astype(bool)
        | (folded == names.to_numpy(dtype=object))
        | (folded == _stem(names).to_numpy(dtype=object))
    )

    duplicate = np.zeros(len(df), dtype=bool)
    if has.any():
        caption_codes = pd.factorize(folded[has])[0]
        keys = pd.DataFrame(
            {
                "guid": df["guid"].to_numpy()[has],
                "gallery": df["gallery"].to_numpy()[has],
                "language": _languages(df)[has],
                "caption": caption_codes,
            }
        )
        duplicate[has] = keys.duplicated(keep=False).to_numpy()

    too_long = has & (length > max_length)
    whitespace = has & spaces.astype(bool)
    markup = has & tags.astype(bool)

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
            "description": df["description"].to_numpy(dtype=object)[rows],
        }
    )
    # What the photo was read as: the language to write in and the read to check against.
    for column in _CARRIED:
        if column in df.columns:
            findings[column] = df[column].iloc[rows].to_numpy()
    if "change_time" in df.columns:  # a hand-made frame may hold naive times or ISO text
        findings["change_time"] = pd.to_datetime(
            findings["change_time"], utc=True, errors="coerce", format="ISO8601"
        )
    return typed(findings, LINT_COLUMNS)


_CARRIED = ("language", "change_time", "cdn_name")
