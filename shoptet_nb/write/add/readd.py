"""The add path as the revert of a delete needs it: add these photos to these galleries, get
their new names back in the same order (:data:`shoptet_nb.write.delete_revert.ReAdder`).

All galleries go through one :func:`add_images` call, so one wait on the job list answers for
every insert job of the restore (a call per gallery would wait, and poll, once per gallery).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ...client import ShoptetClient


@dataclass(frozen=True)
class ReAdd:
    """One photo to add back: where Shoptet fetches it, its default-language caption, its
    priority (None: let the shop place it) and its size in bytes (None: unknown)."""

    source_url: str
    description: str | None
    priority: int | None
    size: int | None = None


#: One gallery's photos to add back: ``(guid, gallery, photos)``.
ReAddGallery = tuple[str, str, Sequence[ReAdd]]


def readd(client: ShoptetClient, galleries: Sequence[ReAddGallery]) -> list[list[str | None]]:
    """Add each gallery's ``photos`` (staged URLs, captions, priorities) with one
    :func:`add_images` call, duplicates included (a deleted copy comes back as the copy it
    was); per gallery, the new names in the order of its photos, None where one was not
    added. The add path's size guard (meant for unknown suppliers' files) is raised to the
    largest photo's ``size``: these are bytes the shop itself served before."""
    from . import add_images  # the package imports this module's users, not the other way

    rows = [(guid, gallery, photo) for guid, gallery, photos in galleries for photo in photos]
    frame = pd.DataFrame(
        {
            "guid": [guid for guid, _, _ in rows],
            "gallery": [gallery for _, gallery, _ in rows],
            "source_url": [photo.source_url for _, _, photo in rows],
            "description": [photo.description for _, _, photo in rows],
            "priority": pd.array([photo.priority for _, _, photo in rows], dtype="Int64"),
        }
    )
    sizes = [photo.size for _, _, photo in rows if photo.size is not None]
    result = add_images(
        client,
        frame,
        dry_run=False,
        journal=False,
        skip_duplicates=False,
        progress=False,  # the restore shows its own bar
        max_bytes=max(sizes, default=None),
    )
    names = iter(
        str(name) if status == "added" else None
        for status, name in zip(result.rows["status"], result.rows["name"], strict=True)
    )
    return [[next(names) for _ in photos] for _, _, photos in galleries]
