"""``revert``: restore what a write changed, from its Result or its journal file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, overload

import pandas as pd

from ..client import ShoptetClient
from ..columns import IMAGE_COLUMNS, typed
from ..errors import ArgumentError
from ..frames import parse_times
from ..plan import KEY, plan_updates
from .add.result import AddResult
from .add.undo import revert_add
from .delete_result import DeleteResult
from .delete_revert import Stage, revert_deletes
from .journal import (
    Added,
    AddIntent,
    Confirmed,
    Entry,
    ImageState,
    Intent,
    decode_entries,
    read_journal,
)
from .restore_order import mark_inexact, priorities_sent, restore_order
from .result import Result
from .run import Progress, run_plan
from .state import Key
from .verbs import planned
from .webp_png import WEBP_CHOICES


@overload
def revert(
    source: DeleteResult,
    *,
    client: ShoptetClient | None = None,
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
    stage: Stage | None = None,
    webp: str | None = None,
) -> DeleteResult: ...
@overload
def revert(
    source: AddResult,
    *,
    client: ShoptetClient | None = None,
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
    stage: Stage | None = None,
    webp: str | None = None,
) -> AddResult: ...
@overload
def revert(
    source: Result,
    *,
    client: ShoptetClient | None = None,
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
    stage: Stage | None = None,
    webp: str | None = None,
) -> Result: ...
@overload
def revert(
    source: str | Path,
    *,
    client: ShoptetClient | None = None,
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
    stage: Stage | None = None,
    webp: str | None = None,
) -> Result | DeleteResult | AddResult: ...
def revert(
    source: Result | DeleteResult | AddResult | str | Path,
    *,
    client: ShoptetClient | None = None,
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
    stage: Stage | None = None,
    webp: str | None = None,
) -> Result | DeleteResult | AddResult:
    """Restore the captions and priorities an apply changed, from its Result or journal file.

    Given an :func:`~shoptet_nb.add_images` result (or its journal), deletes exactly the photos
    it added instead: an :class:`~shoptet_nb.AddResult` of ``deleted``/``not_found``/``failed``
    rows.

    Given a :func:`~shoptet_nb.delete_images` result (or its journal), adds the deleted photos
    back from the archive instead, which needs ``stage`` (bytes → a public URL): see
    :func:`~shoptet_nb.write.delete_revert.revert_deletes`. Without it every row says it cannot
    restore and where its archive is. A WebP original is refused (Shoptet's help says WebP
    cannot be uploaded) unless ``webp="png"``: it then comes back as a lossless PNG of the
    same pixels, and its row says so with both sha256s (never as identical bytes).

    Goes through plan and apply like any edit, so an image changed again since the apply is
    reported as ``conflict`` and left alone unless ``force=True``. Shoptet cannot set a caption
    or priority back to null: a null caption is restored as ``""``. Where a priority was null,
    the gallery's order is restored instead, with the fewest writes (the main image is the
    main image again), and that photo's row is ``failed`` with a message saying its priority
    could not be cleared.

    >>> undone = shoptet_nb.revert(result)                          # doctest: +SKIP
    >>> undone = shoptet_nb.revert("apply-....jsonl", client=client)  # doctest: +SKIP
    """
    if webp is not None and webp not in WEBP_CHOICES:
        raise ArgumentError(f"webp must be None or one of {WEBP_CHOICES}, got {webp!r}")
    if isinstance(source, DeleteResult):
        return revert_deletes(
            source, client=client, stage=stage, journal=journal, webp=webp, progress=progress
        )
    if isinstance(source, Result | AddResult):
        entries = decode_entries(source.journal_entries)
        client = client or source.client
    else:
        if client is None:
            raise ArgumentError("revert(journal_path) needs client=: the shop to restore")
        raw = read_journal(source)
        if any(entry.get("event") == "archived" for entry in raw):  # a delete's journal
            return revert_deletes(
                source, client=client, stage=stage, journal=journal, webp=webp, progress=progress
            )
        entries = decode_entries(raw)
    if isinstance(source, AddResult) or any(isinstance(e, Added | AddIntent) for e in entries):
        # An add is undone by deleting the photos it added (add/undo.py), nothing else.
        return revert_add(client, entries, journal, progress)
    edits, base = _revert_frames(entries)
    if edits.empty:
        raise ArgumentError("the journal records no image that was sent: nothing to revert")
    edits, inexact = planned(lambda: restore_order(client, edits, priorities_sent(entries)))
    plan = planned(lambda: plan_updates(client, edits, base=base, progress=progress is True))
    result = run_plan(
        plan,
        on_error="continue",
        force=force,
        journal=journal,
        progress=progress,
        recheck=lambda key: True,
        restoring=True,
    )
    result.rows = mark_inexact(result.rows, inexact)
    return result


@dataclass
class _Slot:
    """What the journal tells of one image: its first 'before' and its last known 'after'."""

    product_name: Any
    before: ImageState | None = None
    after: ImageState | None = None


def _revert_frames(entries: list[Entry]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edits that restore each image's first 'before', and a base of its last known 'after'."""
    images: dict[Key, _Slot] = {}
    for entry in entries:
        if isinstance(entry, Intent):
            for sent in entry.images:
                slot = _slot(images, entry, sent.name, entry.product_name)
                if slot.before is None:
                    slot.before = sent.before or ImageState()
                if slot.after is None:
                    # Sent but never confirmed: we only know what we asked for.
                    asked = sent.before or ImageState()
                    slot.after = replace(
                        asked,
                        priority=sent.set.get("priority", asked.priority),
                        description=sent.set.get("description", asked.description),
                        change_time=None,
                    )
        elif isinstance(entry, Confirmed):
            for shown in entry.images:
                _slot(images, entry, shown.name, None).after = shown.after
    edit_rows, base_rows = [], []
    for (guid, gallery, name, language), slot in images.items():
        before, after = slot.before or ImageState(), slot.after or ImageState()
        description = before.description
        if description is None and after.description is not None:
            description = ""  # Shoptet cannot set a caption back to null
        edit_rows.append(
            {
                "guid": guid,
                "gallery": gallery,
                "name": name,
                "language": language or None,
                "priority": before.priority,
                "description": description,
            }
        )
        base_rows.append(
            {
                "guid": guid,
                "gallery": gallery,
                "name": name,
                "language": language or None,
                "priority": after.priority,
                "description": after.description,
                "change_time": after.change_time,
                "product_name": slot.product_name,
            }
        )
    edits = pd.DataFrame(
        edit_rows, columns=["guid", "gallery", "name", "language", "priority", "description"]
    )
    base = pd.DataFrame(
        base_rows, columns=[*KEY, "priority", "description", "change_time", "product_name"]
    )
    # Aligned on the index, not through numpy: all-null times would lose their time zone there.
    base["change_time"] = parse_times(base["change_time"]).set_axis(base.index)
    return edits, typed(base, IMAGE_COLUMNS)


def _slot(images: dict[Key, _Slot], entry: Entry, name: Any, product_name: Any) -> _Slot:
    """The slot of image ``name`` of the entry's gallery, made on first sight."""
    key = (entry.guid, entry.gallery, name, entry.language or "")
    return images.setdefault(key, _Slot(product_name))
