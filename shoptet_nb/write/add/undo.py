"""Undo an add: delete exactly the photos it added, one DELETE each, then give the other photos
back the priorities it moved to make room for a ``position``.

The photos are those its journal records as :class:`~..journal.Added`, and those of a POST it
announced but never settled (a kernel killed after the 202), found again by :mod:`.orphans`.
Nothing else is touched: not a photo someone else added meanwhile, not a priority someone
changed since (:mod:`.unshift`). A photo already gone is ``not_found``, not a success.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ...client import ShoptetClient
from ...columns import typed
from ...errors import APIError, NotFoundError
from ...progress_bar import Steps
from ..journal import Added, Entry, Intent, Journal, Removed, journal_file
from .orphans import find_orphans, found_rows
from .result import ADD_COLUMNS, REVERT_STATUSES, AddResult
from .unshift import move_back


def added_photos(entries: list[Entry]) -> list[tuple[str, str, str, Any]]:
    """``(guid, gallery, name, sha256)`` of every photo the entries record as added (once
    each, less those a later :class:`Removed` deleted)."""
    photos: dict[tuple[str, str, str], Any] = {}
    for entry in entries:
        if isinstance(entry, Added):
            for photo in entry.photos:
                if photo.name:
                    photos[(entry.guid, entry.gallery, photo.name)] = photo.sha256
        elif isinstance(entry, Removed):
            for name in entry.names:
                photos.pop((entry.guid, entry.gallery, name), None)
    return [(*key, sha) for key, sha in photos.items()]


def revert_add(
    client: ShoptetClient,
    entries: list[Entry],
    journal: str | Path | bool | None,
    progress: bool | Callable[[int, int], None] = True,
) -> AddResult:
    """Undo the add ``entries`` record (see the module docstring); a row per photo.
    ``progress``: a bar of the photos deleted (True), none (False), or a callback ``(done,
    total)``, as for ``apply``."""
    photos = added_photos(entries)
    orphans = find_orphans(client, entries)
    known = {(guid, gallery, name) for guid, gallery, name, _ in photos}
    photos += [
        (f.guid, f.gallery, f.name, f.photo.sha256)
        for f in orphans
        if f.status is None and f.name and (f.guid, f.gallery, f.name) not in known
    ]
    path = journal_file(journal, sandbox=client.is_sandbox)
    # A file only when something may be written (no empty journals left behind).
    log = Journal(path if photos or any(isinstance(e, Intent) for e in entries) else None)

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

    records: list[dict[str, Any]] = []
    shown = progress if photos else False  # nothing to delete: no "0 of 0" bar
    steps = Steps("Deleting the added photos", total=len(photos), unit="photos", progress=shown)
    try:
        for photo, outcome in client.map(delete, photos):
            steps.done()
            status, message = (
                ("failed", f"{type(outcome).__name__}: {outcome}")
                if isinstance(outcome, BaseException)
                else outcome
            )
            guid, gallery, name, sha = photo
            records.append({"guid": guid, "gallery": gallery, "name": name, "status": status,
                            "message": message, "sha256": sha})  # fmt: skip
        records += found_rows(orphans)
        added = {(guid, gallery, name) for guid, gallery, name, _ in photos}
        records += move_back(client, entries, added, log)
    finally:
        steps.close()
        log.close()
    rows = typed(pd.DataFrame(records, columns=list(ADD_COLUMNS)), ADD_COLUMNS)
    return AddResult(client, rows, False, log.path, log.entries, statuses=REVERT_STATUSES)
