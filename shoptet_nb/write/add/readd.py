"""The add path as the revert of a delete needs it: add these photos to one gallery, get their
new names back in the same order (:data:`shoptet_nb.write.delete_revert.ReAdder`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ...client import ShoptetClient


@dataclass(frozen=True)
class ReAdd:
    """One photo to add back: where Shoptet fetches it, its default-language caption and its
    priority (None: let the shop place it)."""

    source_url: str
    description: str | None
    priority: int | None


def readd(
    client: ShoptetClient, guid: str, gallery: str, photos: Sequence[ReAdd]
) -> list[str | None]:
    """Add ``photos`` (staged URLs, captions, priorities) with :func:`add_images`, duplicates
    included (a deleted copy comes back as the copy it was); the new names, None where a photo
    was not added."""
    from . import add_images  # the package imports this module's users, not the other way

    frame = pd.DataFrame(
        {
            "guid": [guid] * len(photos),
            "gallery": [gallery] * len(photos),
            "source_url": [photo.source_url for photo in photos],
            "description": [photo.description for photo in photos],
            "priority": pd.array([photo.priority for photo in photos], dtype="Int64"),
        }
    )
    result = add_images(client, frame, dry_run=False, journal=False, skip_duplicates=False)
    return [
        str(name) if status == "added" else None
        for status, name in zip(result.rows["status"], result.rows["name"], strict=True)
    ]
