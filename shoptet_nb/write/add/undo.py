"""Undo an add: delete exactly the photos its journal says it added, one DELETE each.

Nothing else is touched: not a photo someone else added meanwhile, nor the priorities of the
others that were moved to make room for a ``position`` (the journal has them; restoring them
is left to the caller). A photo already gone is ``not_found``, not a success.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ...client import ShoptetClient
from ...columns import typed
from ...errors import APIError, NotFoundError
from ..journal import Added, Entry, Journal, Removed, journal_file
from .result import ADD_COLUMNS, AddResult


def added_photos(entries: list[Entry]) -> list[tuple[str, str, str, Any]]:
    """``(guid, gallery, name, row)`` of every photo the entries record as added (once each,
    less those a later :class:`Removed` deleted)."""
    photos: dict[tuple[str, str, str], Any] = {}
    for entry in entries:
        if isinstance(entry, Added):
            for photo in entry.photos:
                if photo.name:
                    photos[(entry.guid, entry.gallery, photo.name)] = photo.row
        elif isinstance(entry, Removed):
            for name in entry.names:
                photos.pop((entry.guid, entry.gallery, name), None)
    return [(*key, row) for key, row in photos.items()]


def revert_add(
    client: ShoptetClient, entries: list[Entry], journal: str | Path | bool | None
) -> AddResult:
    """Delete the photos ``entries`` record as added; a row per photo."""
    photos = added_photos(entries)
    path = journal_file(journal, sandbox=client.is_sandbox)
    log = Journal(path if photos else None)

    def delete(photo: tuple[str, str, str, Any]) -> tuple[str, str | None]:
        guid, gallery, name, _ = photo
        where = f"/api/products/{quote(guid, safe='')}/images/{gallery}/{quote(name, safe='')}"
        try:
            # Deleting one name twice cannot delete anything else: safe to repeat.
            client.request("DELETE", where, retry_safe=True)
        except NotFoundError:
            return "not_found", "the photo is not in the gallery any more"
        except APIError as exc:
            return "failed", f"HTTP {exc.status}: {exc}"
        log.write(Removed(guid, gallery, None, names=(name,)))
        return "deleted", None

    records = []
    try:
        for photo, outcome in client.map(delete, photos):
            status, message = (
                ("failed", f"{type(outcome).__name__}: {outcome}")
                if isinstance(outcome, BaseException)
                else outcome
            )
            guid, gallery, name, row = photo
            records.append({"guid": guid, "gallery": gallery, "name": name, "status": status,
                            "message": message, "row": row})  # fmt: skip
    finally:
        log.close()
    frame = pd.DataFrame(records, columns=["guid", "gallery", "name", "status", "message", "row"])
    rows = frame.drop(columns="row").reindex(columns=list(ADD_COLUMNS))
    rows = typed(rows, ADD_COLUMNS)
    return AddResult(client, rows, False, log.path, log.entries)
