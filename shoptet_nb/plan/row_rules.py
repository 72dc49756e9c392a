"""The rules one edits row must keep to be sent; a row that breaks one is ``invalid``.

Each rule comes with a reason that says how to fix the row. Checked on whole columns at once:
a frame of 100,000 good rows costs no per-row Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..client import GALLERIES, ShoptetClient
from ..columns import IMAGE_KEY
from ..errors import ShoptetError
from .edits_frame import INVALID_REASON
from .keys import KEY, NO_LANGUAGE

PRIORITY_MIN, PRIORITY_MAX = 1, 65535  # Shoptet's documented range for a PATCH priority
#: Our own ceiling on a caption's length: alt text this long is never meant; refused unsent.
MAX_CAPTION_LENGTH = 1000

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # tab, newline and CR are allowed in a caption
# Half of a UTF-16 pair on its own (text decoded badly): it has no UTF-8 form, so no JSON body.
_SURROGATE = "[\ud800-\udfff]"


def _is_text(values: pd.Series) -> np.ndarray:
    # infer_dtype scans in C; the per-value check is only for mixed columns.
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.notna().to_numpy()
    return np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))


def _is_number(values: pd.Series) -> np.ndarray:
    if pd.api.types.infer_dtype(values, skipna=True) in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    ):
        return values.notna().to_numpy()

    def ok(v: object) -> bool:
        return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
            v, (bool, np.bool_)
        )

    return np.fromiter((ok(v) for v in values), dtype=bool, count=len(values))


def row_problems(work: pd.DataFrame) -> list[tuple[np.ndarray, Any]]:
    """(mask, reason) pairs in the order they are reported; the first match wins."""
    guid, name, gallery = work["guid"], work["name"], work["gallery"]
    language, priority, description = work["language"], work["priority"], work["description"]
    guid_text = _is_text(guid)
    guid_ok = guid.where(guid_text, "").astype(str).str.match(_GUID).to_numpy()
    name_text = _is_text(name)
    name_blank = name.where(name_text, "").astype(str).str.strip().eq("").to_numpy()
    gallery_ok = gallery.isin(GALLERIES).to_numpy()
    # Printable ASCII: a code with a space or a lone surrogate cannot go into ?language=.
    language_ok = language.isna().to_numpy() | (
        _is_text(language)
        & language.where(_is_text(language), "")
        .astype(str)
        .str.fullmatch(r"[\x21-\x7e]+")
        .to_numpy(bool)
    )

    p_null = priority.isna().to_numpy()
    p_number = _is_number(priority)
    p_values = pd.to_numeric(priority.where(p_number), errors="coerce").astype("float64")
    p_whole = np.isfinite(p_values) & (np.mod(p_values.fillna(0.5), 1) == 0)
    p_range = (p_values >= PRIORITY_MIN) & (p_values <= PRIORITY_MAX)

    d_null = description.isna().to_numpy()
    d_text = _is_text(description)
    d_str = description.where(d_text, "").astype(str)
    d_control = d_str.str.contains(_CONTROL, regex=True).to_numpy()
    d_surrogate = d_str.str.contains(_SURROGATE, regex=True).to_numpy()
    d_length = d_str.str.len().to_numpy()
    times = work["change_time"]
    t_bad = times.notna().to_numpy() & work["edit_time"].isna().to_numpy()

    def shown(values: pd.Series, prefix: str, suffix: str) -> Callable[[np.ndarray], pd.Series]:
        # Messages are built only for the rows that need them: 100,000 good rows cost nothing.
        return lambda mask: prefix + values[mask].map(lambda v: repr(v)[:60]) + suffix

    def character(pattern: str, prefix: str, suffix: str) -> Callable[[np.ndarray], pd.Series]:
        # Names the first offending character of each caption as U+XXXX.
        return lambda mask: (
            prefix
            + pd.Series(d_str[mask])
            .str.extract(f"({pattern})", expand=False)
            .map(lambda c: f"U+{ord(c):04X}")
            + suffix
        )

    given_reason = work[INVALID_REASON]
    return [
        (
            given_reason.notna().to_numpy(),
            lambda mask: given_reason[mask].astype(str),
        ),
        (
            guid.isna().to_numpy(),
            "guid is missing: give the product's guid (as read_images has it)",
        ),
        (
            ~guid_ok,
            shown(
                guid,
                "guid ",
                " is malformed: a Shoptet guid has 36 characters like "
                "'92ca3575-7481-11e8-8216-002590dad85e'",
            ),
        ),
        (
            ~name_text | name_blank,
            shown(
                name,
                "name ",
                " is not an image file name: give the image's name, "
                "e.g. '100.jpg', as read_images has it",
            ),
        ),
        (~gallery_ok, shown(gallery, "gallery ", " is unknown: use 'shop' or 'shop360'")),
        (~language_ok, shown(language, "language ", " must be a language code like 'cs'")),
        (
            ~p_null & ~p_number,
            shown(
                priority,
                "priority ",
                " is not a number: give a whole number 1-65535, or null to leave it unchanged",
            ),
        ),
        (
            ~p_null & p_number & ~p_whole.to_numpy(),
            shown(priority, "priority ", " is not a whole number: give a whole number 1-65535"),
        ),
        (
            ~p_null & p_number & ~p_range.to_numpy(),
            shown(priority, "priority ", " is outside Shoptet's range 1-65535"),
        ),
        (
            ~d_null & ~d_text,
            shown(
                description,
                "description ",
                " is not text: give a string; null leaves the caption unchanged and '' clears it",
            ),
        ),
        (
            d_text & d_control,
            character(
                _CONTROL,
                "description contains the control character ",
                ": remove it (line breaks and tabs are fine)",
            ),
        ),
        (
            d_text & d_surrogate,
            character(
                _SURROGATE,
                "description contains ",
                ", half of a character on its own (text decoded wrongly): it cannot be sent "
                "as UTF-8; retype or re-decode the caption",
            ),
        ),
        (
            d_text & (d_length > MAX_CAPTION_LENGTH),
            lambda mask: (
                "description is "
                + pd.Series(d_length[mask], index=work.index[mask]).astype(str)
                + f" characters long: captions over {MAX_CAPTION_LENGTH} are refused, keep "
                "alt text short (125 is the usual advice)"
            ),
        ),
        (
            t_bad,
            shown(
                times,
                "change_time ",
                " is not a time: keep the change_time read_images gave, or drop the column",
            ),
        ),
    ]


def mark_unknown_languages(
    client: ShoptetClient, work: pd.DataFrame, status: pd.Series, reason: pd.Series
) -> None:
    """Rows in a language the shop does not have are invalid (the server would refuse the read
    with a 400 that stops the whole plan). Unchecked when the shop does not list its languages."""
    todo = status.isna().to_numpy()
    codes = [c for c in pd.unique(work["language"][todo]) if c != NO_LANGUAGE]
    if not codes:
        return
    try:
        known = client.languages()
    except ShoptetError:
        return  # the read will tell
    unknown = [code for code in codes if known and code not in known]
    for code in unknown:
        rows = todo & (work["language"] == code).to_numpy(bool)
        status[rows] = "invalid"
        reason[rows] = (
            f"language {code!r} is not one of the shop's languages ({', '.join(known)}): use "
            "one of them, or null for the shop's default"
        )


def mark_contradictions(work: pd.DataFrame, status: pd.Series, reason: pd.Series) -> None:
    """Rows that name the same image with different values are all invalid.

    A caption belongs to one language; a priority is one for all languages of the photo.
    """
    candidates = work[status.isna()]
    if candidates.empty:
        return
    key = candidates[KEY].astype(str)
    repeated = key[IMAGE_KEY].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return  # one row per photo: nothing can contradict
    candidates, key = candidates[repeated], key[repeated]
    # Rows that reach here hold valid values: numbers for priority, text for description.
    checks: list[tuple[pd.Series, list[str], str]] = [
        (
            pd.to_numeric(candidates["priority"], errors="coerce").astype("float64"),
            IMAGE_KEY,
            "rows for the same image give different values for priority (one priority serves "
            "all languages of a photo): keep one row per image or make them agree",
        ),
        (
            candidates["description"].astype("string"),
            KEY,
            "rows for the same image give different values for description: keep one row "
            "per image or make them agree",
        ),
    ]
    for values, columns, message in checks:
        distinct = values.groupby([key[c] for c in columns]).transform("nunique")
        clash = distinct > 1
        if clash.any():
            bad = clash[clash].index
            status[bad] = "invalid"
            reason[bad] = message
