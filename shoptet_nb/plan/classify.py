"""The status of each row that passed the rules: would_update, unchanged, conflict, not_found
or failed.

A conflict is a photo that changed in the shop since the edits frame was read (its
``change_time``, or the caption a sheet exported): a value the frame holds may be stale.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._sheet_cells import sheet_text

#: The reason of a row whose image already had its values when the plan compared them.
ALREADY_DONE = "the image already has these values"


def classify(
    merged: pd.DataFrame,
    todo: pd.Series,
    status: pd.Series,
    reason: pd.Series,
    read_failures: dict[tuple[str, str], dict[str, Any]],
    base: pd.DataFrame,
    own_times: bool,
) -> None:
    """Set ``status`` and ``reason`` of the rows still to do (``todo``) from the diff.

    ``own_times``: the edits frame carries the ``change_time`` it was read with, so a photo
    changed in the shop since is a conflict, not overwritten.
    """
    found = merged["found"].to_numpy()
    changed = (merged["send_priority"] | merged["send_description"]).to_numpy()
    t = todo.to_numpy()
    stale = np.zeros(len(merged), dtype=bool)
    exported = merged["exported"].to_numpy(dtype=bool)
    timed = merged["edit_time"].notna().to_numpy()
    if own_times:
        # A row of a sheet without a readable time is checked against its exported caption
        # below; any other row without a time cannot prove the photo is as it was read.
        stale = t & found & changed & ~_unchanged_since_read(merged) & (timed | ~exported)
    moved = t & found & exported & merged["send_description"].to_numpy() & _caption_moved(merged)
    for position in merged.index[stale]:
        status[position] = "conflict"
        reason[position] = _stale_reason(merged.loc[position])
    for position in merged.index[moved & ~stale]:
        status[position] = "conflict"
        reason[position] = _moved_reason(merged.loc[position])
    stale = stale | moved
    changed = changed & ~stale
    status[t & found & changed] = "would_update"
    status[t & found & ~changed & ~stale] = "unchanged"
    reason[t & found & ~changed & ~stale] = ALREADY_DONE
    missing = merged.index[t & ~found]
    known_products = set(base["guid"].unique()) if not base.empty else set()
    for position in missing:
        row = merged.loc[position]
        guid, gallery, name = row["guid"], row["gallery"], row["name"]
        failure = read_failures.get((guid, gallery)) or read_failures.get((guid, "*"))
        if failure is not None and failure.get("error_code") != "product-not-found":
            status[position] = "failed"
            reason[position] = f"could not read the gallery to compare: {failure.get('message')}"
        elif guid not in known_products and failure is not None:
            status[position] = "not_found"
            reason[position] = f"product {guid} is not in the shop"
        else:
            status[position] = "not_found"
            reason[position] = (
                f"image {name!r} is not in gallery {gallery!r} of product {guid} "
                "(names are the exact file names read_images shows)"
            )


def _unchanged_since_read(merged: pd.DataFrame) -> np.ndarray:
    """Whether each photo is still as the frame read it.

    ``changeTime`` has whole seconds, so a second change within the same second keeps it: the
    CDN name, which every change renews, tells those apart where the frame holds it.
    """
    now, then = merged["change_time"], merged["edit_time"]
    same_time = (now == then).fillna(False).to_numpy() | (now.isna() & then.isna()).to_numpy()
    read_cdn, shop_cdn = merged["cdn_name"], merged["shop_cdn_name"]
    same_cdn = read_cdn.isna().to_numpy() | (read_cdn.astype("string") == shop_cdn).fillna(
        False
    ).to_numpy(dtype=bool)
    return same_time & same_cdn


def _caption_moved(merged: pd.DataFrame) -> np.ndarray:
    """Whether the shop's caption differs from the one a sheet exported, compared as a sheet
    holds text (none and "" alike; see ``sheet_text``): what the file could not hold, or a
    spreadsheet program rewrote, is not someone's change."""
    shop = sheet_text(merged["old_description"])
    exported = sheet_text(merged["original_description"])
    return (shop != exported).to_numpy(dtype=bool)


def _moved_reason(row: pd.Series) -> str:
    how = (
        "its change_time cell is empty or was changed in the file, so it was checked against "
        "the caption exported"
        if pd.isna(row["edit_time"])
        else "it was checked against the caption exported"
    )
    return (
        f"the caption in the shop is no longer the one exported ({how}): someone changed it "
        "since the export, so the sheet's caption is not sent over theirs. Export the photo "
        "again and redo the edit"
    )


def _stale_reason(row: pd.Series) -> str:
    def when(value: Any) -> str:
        return "none" if pd.isna(value) else f"{value:%Y-%m-%d %H:%M:%S}"

    differs = []
    if row["send_priority"]:
        frame, shop = row["priority"], row["old_priority"]
        differs.append(f"priority {frame} in the frame, {shop} in the shop")
    if row["send_description"]:
        differs.append("the caption differs from the shop's")
    then, now = when(row["edit_time"]), when(row["change_time"])
    # Whole seconds: a change in the second of the read shows only in the renewed CDN name.
    how = f"changeTime {then} → {now} UTC" if then != now else f"in the same second, {now} UTC"
    return (
        f"the photo changed in the shop after the frame was read ({how}) and "
        f"{'; '.join(differs)}: "
        "the frame may hold the old value, so it is not sent. Read the gallery again and redo "
        "the edit"
    )
