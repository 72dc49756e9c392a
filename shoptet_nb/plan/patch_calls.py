"""The PATCH calls a plan sends: per gallery and language, the changed fields only."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def patch_calls(targets: pd.DataFrame, per_call: int) -> pd.DataFrame:
    """The PATCH calls: per product gallery and language, chunks of at most ``per_call``."""
    rows: list[dict[str, Any]] = []
    if not targets.empty:
        ordered = targets.sort_values(["guid", "gallery", "language"], kind="stable")
        items = request_items(ordered)
        gallery_no = ordered.groupby(["guid", "gallery", "language"], sort=False).ngroup()
        starts = np.flatnonzero(np.diff(gallery_no.to_numpy(), prepend=-1))
        ends = [*starts[1:], len(ordered)]
        guids, galleries = ordered["guid"].tolist(), ordered["gallery"].tolist()
        languages = ordered["language"].tolist()
        for first, end in zip(starts, ends, strict=True):
            # A gallery with more than per_call changed images becomes several calls.
            for start in range(first, end, per_call):
                chunk = items[start : min(end, start + per_call)]
                rows.append(
                    {
                        "guid": guids[start],
                        "gallery": galleries[start],
                        "language": languages[start] or None,
                        "n_images": len(chunk),
                        "images": chunk,
                    }
                )
    frame = pd.DataFrame(rows, columns=["guid", "gallery", "language", "n_images", "images"])
    return frame.astype(
        {"guid": "string", "gallery": "string", "language": "string", "n_images": "int64"}
    )


def request_items(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """PATCH items for some targets: the name plus only the fields that change."""
    # Plain lists: iterating pandas' extension arrays element by element is slow.
    columns = ["name", "send_priority", "new_priority", "send_description", "new_description"]
    return [
        request_item(dict(zip(columns, values, strict=True)))
        for values in zip(*(targets[c].tolist() for c in columns), strict=True)
    ]


def request_item(target: dict[str, Any]) -> dict[str, Any]:
    """One PATCH item from one target record: the name plus only the fields that change."""
    item: dict[str, Any] = {"name": str(target["name"])}
    if target["send_priority"]:
        item["priority"] = int(target["new_priority"])
    if target["send_description"]:
        item["description"] = str(target["new_description"])
    return item
