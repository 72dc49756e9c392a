"""The diff of wanted against shop: old and new values per row, and the images to send."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..columns import IMAGE_COLUMNS
from .keys import KEY, NO_LANGUAGE, image_key


def diff_edits(work: pd.DataFrame, todo: pd.Series, base: pd.DataFrame) -> pd.DataFrame:
    """The edits with old values and the base changeTime beside them (same positions)."""
    left = work.assign(language=work["language"].fillna(NO_LANGUAGE))
    left["priority"] = pd.to_numeric(left["priority"].where(todo), errors="coerce").astype("Int64")
    left["description"] = left["description"].where(todo).astype("string")
    # One string key per image, looked up with a hash index: much faster than a 4-column merge.
    position = (
        image_key(base).get_indexer(image_key(left)) if not base.empty else np.full(len(left), -1)
    )
    found = position >= 0

    def take(column: str, dtype: object) -> Any:
        if base.empty:
            return pd.Series(pd.NA, index=left.index).astype(dtype)  # type: ignore[call-overload]
        # take() with allow_fill turns the -1 of an image not in the base into a null.
        values = base[column].astype(dtype).array  # type: ignore[call-overload]
        return values.take(position, allow_fill=True)

    out = left.copy()
    out["found"] = found
    out["old_priority"] = take("priority", "Int64")
    out["old_description"] = take("description", "string")
    out["change_time"] = take("change_time", IMAGE_COLUMNS["change_time"])
    out["shop_cdn_name"] = take("cdn_name", "string")
    out["new_priority"] = out["priority"].fillna(out["old_priority"])
    out["new_description"] = out["description"].fillna(out["old_description"])
    old_d = out["old_description"]
    out["send_priority"] = (
        (
            out["priority"].notna()
            & (out["old_priority"].isna() | (out["priority"] != out["old_priority"]))
        )
        .fillna(False)
        .astype(bool)
    )
    out["send_description"] = (
        (out["description"].notna() & (old_d.isna() | (out["description"] != old_d)))
        .fillna(False)
        .astype(bool)
    )
    return out


def merge_targets(changes: pd.DataFrame) -> pd.DataFrame:
    """One row per image to send, merging rows that name the same image."""
    columns = [
        *KEY,
        "old_priority",
        "old_description",
        "new_priority",
        "new_description",
        "change_time",
        "send_priority",
        "send_description",
    ]
    if changes.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    grouped = changes[columns].groupby(KEY, sort=False, dropna=False)
    targets = grouped.agg(
        old_priority=("old_priority", "first"),
        old_description=("old_description", "first"),
        change_time=("change_time", "first"),
        send_priority=("send_priority", "any"),
        send_description=("send_description", "any"),
    )
    # A field one row leaves null may be set by another row for the same image.
    firsts = (
        changes.assign(
            p=changes["new_priority"].where(changes["send_priority"]),
            d=changes["new_description"].where(changes["send_description"]),
        )
        .groupby(KEY, sort=False, dropna=False)[["p", "d"]]
        .first()
    )
    targets["new_priority"] = firsts["p"].astype("Int64").fillna(targets["old_priority"])
    targets["new_description"] = firsts["d"].astype("string").fillna(targets["old_description"])
    return targets.reset_index()[columns]
