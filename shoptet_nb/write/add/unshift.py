"""Undo the priority changes an add made to other photos to make room for a ``position``.

The add journals them as :class:`~..journal.Intent` (each photo's priority before, the one it
set) and :class:`~..journal.Confirmed` (what the shop then showed). A photo gets its old
priority back only where the shop still shows the one the add gave it: a value someone changed
since is theirs (``conflict``, left alone). One PATCH per gallery, with ``name`` and
``priority`` only, and only for photos whose priority differs; a read afterwards says which
landed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...client import ShoptetClient
from ...errors import APIError, NetworkError, NotFoundError
from ..journal import Confirmed, ConfirmedImage, Entry, ImageState, Intent, IntentImage, Journal


@dataclass
class _Moved:
    """One photo the add moved: its priority before, and the last one the add gave it."""

    before: Any
    given: Any


def moved_photos(
    entries: list[Entry], added: set[tuple[str, str, str]]
) -> dict[tuple[str, str], dict[str, _Moved]]:
    """Per gallery, the photos whose priority the add's journal says it changed, less the
    ``added`` ones ``(guid, gallery, name)`` (they are deleted, not moved back)."""
    moved: dict[tuple[str, str], dict[str, _Moved]] = {}
    for entry in entries:
        if entry.language or not isinstance(entry, Intent | Confirmed):
            continue
        gallery = moved.setdefault((entry.guid, entry.gallery), {})
        if isinstance(entry, Intent):
            for sent in entry.images:
                if "priority" not in sent.set or (entry.guid, entry.gallery, sent.name) in added:
                    continue
                before = sent.before.priority if sent.before is not None else None
                slot = gallery.setdefault(sent.name, _Moved(before, None))
                slot.given = sent.set["priority"]
        else:
            for shown in entry.images:
                if shown.name in gallery and shown.after is not None:
                    gallery[shown.name].given = shown.after.priority
    return {key: photos for key, photos in moved.items() if photos}


def move_back(
    client: ShoptetClient, entries: list[Entry], added: set[tuple[str, str, str]], log: Journal
) -> list[dict[str, Any]]:
    """Give the photos the add moved (not the ``added`` ones) their old priority (see the
    module); a row for each."""
    rows: list[dict[str, Any]] = []
    for (guid, gallery), photos in moved_photos(entries, added).items():
        rows += _gallery(client, log, guid, gallery, photos)
    return rows


def _gallery(
    client: ShoptetClient, log: Journal, guid: str, gallery: str, photos: dict[str, _Moved]
) -> list[dict[str, Any]]:
    def row(name: str, status: str, message: str) -> dict[str, Any]:
        return {"guid": guid, "gallery": gallery, "name": name, "status": status,
                "message": message, "priority": photos[name].before}  # fmt: skip

    try:
        records = {i["name"]: i for i in client.list_images(guid, gallery)}
    except NotFoundError:
        return [row(n, "not_found", "the product is not in the shop any more") for n in photos]
    except (APIError, NetworkError) as exc:
        return [row(n, "failed", f"could not read the gallery: {exc}") for n in photos]
    rows: list[dict[str, Any]] = []
    send: dict[str, int] = {}
    for name, moved in photos.items():
        now = records[name].get("priority") if name in records else None
        if name not in records:
            rows.append(row(name, "not_found", "the photo is not in the gallery any more"))
        elif now == moved.before:
            rows.append(row(name, "unchanged", f"its priority is {now} again already"))
        elif now != moved.given:
            rows.append(row(name, "conflict", f"its priority is {now} now, not the {moved.given} "
                            "the add gave it: changed since, left alone"))  # fmt: skip
        elif moved.before is None:
            rows.append(row(name, "failed", "it had no priority before the add, and Shoptet "
                            "cannot clear one"))  # fmt: skip
        else:
            send[name] = int(moved.before)
    if not send:
        return rows
    log.write(
        Intent(guid, gallery, None, images=tuple(
            IntentImage(n, ImageState.of_record(records[n]), {"priority": p})
            for n, p in send.items()
        ))
    )  # fmt: skip
    try:
        client.update_images(guid, gallery, [{"name": n, "priority": p} for n, p in send.items()])
        shown = {i["name"]: i for i in client.list_images(guid, gallery)}
    except (APIError, NetworkError) as exc:
        return rows + [row(n, "failed", f"the PATCH failed: {exc}") for n in send]
    log.write(
        Confirmed(guid, gallery, None, images=tuple(
            ConfirmedImage(n, ImageState.of_record(shown[n]) if n in shown else None)
            for n in send
        ))
    )  # fmt: skip
    for name, priority in send.items():
        now = shown.get(name, {}).get("priority")
        if now == priority:
            rows.append(row(name, "restored", f"priority {photos[name].given} → {priority}, "
                            "as before the add"))  # fmt: skip
        else:
            rows.append(row(name, "failed", f"sent priority {priority}, the shop shows {now}"))
    return rows
