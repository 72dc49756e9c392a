"""The edits frame as planning reads it: one column per field, nulls as ``pd.NA``, times in UTC.

The frame's shape is refused here, with an exception, before anything is read from the shop;
the rules for single rows are in :mod:`.row_rules` (a bad row gets a status, not an error).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..columns import EDITABLE_FIELDS, IMAGE_COLUMNS
from ..errors import FrameError
from ..frames import rename_api_columns

#: Optional edits column: a non-null text makes the row ``invalid`` with that text as reason.
INVALID_REASON = "invalid_reason"


def normalise(edits: object) -> pd.DataFrame:
    """The edits with the columns planning reads (camelCase renamed, absent ones null),
    plus ``exported`` and ``edit_time``; FrameError when the frame itself cannot serve."""
    if not isinstance(edits, pd.DataFrame):
        raise FrameError(
            f"edits must be a pandas DataFrame with guid, name and priority/description columns, "
            f"got {type(edits).__name__}"
        )
    if edits.columns.duplicated().any():
        dupes = sorted(set(edits.columns[edits.columns.duplicated()].astype(str)))
        raise FrameError(f"the edits frame has duplicated column names {dupes}: keep one of each")
    frame = rename_api_columns(edits)
    _warn_about_near_misses(frame)
    missing = [c for c in ("guid", "name") if c not in frame.columns]
    if missing:
        raise FrameError(
            f"the edits frame lacks column(s) {missing}: it needs guid and name (the image's "
            "file name) to know which image to change"
        )
    if not any(c in frame.columns for c in EDITABLE_FIELDS):
        raise FrameError(
            "the edits frame has neither a priority nor a description column: nothing to change"
        )
    n = len(frame)

    def column(name: str, default: object) -> pd.Series:
        if name in frame.columns:
            values = frame[name].to_numpy(dtype=object, copy=True)
        else:
            values = np.array([default] * n, dtype=object)
        # pandas' many nulls (NaN, None, NaT, pd.NA) all mean "unchanged" / "missing".
        values[pd.isna(values)] = pd.NA
        return pd.Series(values, dtype="object")

    work = pd.DataFrame(
        {
            "guid": column("guid", None),
            "gallery": column("gallery", "shop"),
            "name": column("name", None),
            "language": column("language", None),
            "priority": column("priority", None),
            "description": column("description", None),
            "change_time": column("change_time", None),
            "cdn_name": column("cdn_name", None),
            "original_description": column("original_description", None),
            INVALID_REASON: column(INVALID_REASON, None),
        }
    )
    # A sheet from export_captions says which caption each row was exported with.
    work["exported"] = "original_description" in frame.columns
    no_time = pd.Series(pd.NaT, index=work.index, dtype=IMAGE_COLUMNS["change_time"])  # type: ignore[call-overload]
    given = frame["change_time"] if "change_time" in frame.columns else None
    work["edit_time"] = (
        no_time
        if given is None or not given.notna().any()
        else pd.Series(_times(given).to_numpy(), index=work.index)
    )
    return work


# Column names people reach for that plan_updates does not read: a silent "unchanged" for every
# row would hide the mistake.
_NEAR_MISSES = {
    "caption": "description",
    "captions": "description",
    "alt": "description",
    "alt_text": "description",
    "popis": "description",
    "order": "priority",
    "position": "priority",
    "image": "name",
    "file_name": "name",
    "filename": "name",
}


def _warn_about_near_misses(frame: pd.DataFrame) -> None:
    for column in frame.columns:
        meant = _NEAR_MISSES.get(str(column).lower())
        if meant is not None and meant not in frame.columns:
            warnings.warn(
                f"column {column!r} is not read by plan_updates: did you mean {meant!r}?",
                UserWarning,
                stacklevel=3,
            )


def _times(values: pd.Series) -> pd.Series:
    """change_time values (datetimes, or text from a CSV round trip) as UTC; unreadable → NaT."""
    kind = IMAGE_COLUMNS["change_time"]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(kind)  # type: ignore[no-any-return]
    plain = values.astype("object").where(values.notna(), None)
    parsed = pd.to_datetime(plain, utc=True, errors="coerce", format="mixed")
    return parsed.astype(kind)  # type: ignore[call-overload,no-any-return]
