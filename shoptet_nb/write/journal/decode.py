"""The one decoder: a journal's JSON objects back into typed entries, by their ``event``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .add_entries import Added, AddIntent, AddQueued, Removed
from .apply_entries import Confirmed, Failed, Intent
from .delete_entries import Archived, Deleted, Restored
from .entry import Entry, JsonEntry

#: Entry classes by the ``event`` they write: the decoder's table (new writers add theirs).
ENTRY_TYPES: dict[str, Any] = {
    kind.EVENT: kind
    for kind in (
        *(Intent, Confirmed, Failed),
        *(Archived, Deleted, Restored),
        *(AddIntent, AddQueued, Added, Removed),
    )
}


def decode_entry(data: JsonEntry) -> Entry | None:
    """The typed entry of one journal object; None for an event this version does not know
    or an object missing the fields every entry has."""
    kind = ENTRY_TYPES.get(str(data.get("event")))
    if kind is None:
        return None
    try:
        entry: Entry = kind.decode(data)
    except (KeyError, TypeError, AttributeError):
        return None
    return entry


def decode_entries(entries: Iterable[JsonEntry]) -> list[Entry]:
    """The typed entries of a journal's objects, skipping those :func:`decode_entry` cannot."""
    return [entry for entry in map(decode_entry, entries) if entry is not None]
