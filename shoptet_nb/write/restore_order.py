"""Putting a gallery's order back when revert cannot put every priority back.

Shoptet cannot clear a priority: a photo that had none before an apply set one keeps a number
for good. Revert then restores what it can exactly (every priority that was a number) and the
gallery's *order* with the fewest further writes, and says which photos now differ from
before. Pure bookkeeping on plain dicts, plus one read per such gallery.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .._order import fewest_priority_changes, shop_order
from ..client import ShoptetClient
from ..errors import ShoptetError
from .journal import Entry, Intent

Gallery = tuple[str, str]  # guid, gallery: priorities are one for all languages


def priorities_sent(entries: Iterable[Entry]) -> dict[Gallery, dict[str, int | None]]:
    """Per gallery, the photos an apply sent a priority for, with the priority before it."""
    sent: dict[Gallery, dict[str, int | None]] = {}
    for entry in entries:
        if not isinstance(entry, Intent):
            continue
        for image in entry.images:
            if "priority" not in image.set:
                continue
            photos = sent.setdefault((entry.guid, entry.gallery), {})
            if image.name not in photos:  # the first 'before' is the one to restore
                photos[image.name] = None if image.before is None else image.before.priority
    return sent


def restore_order(
    client: ShoptetClient, edits: pd.DataFrame, sent: dict[Gallery, dict[str, int | None]]
) -> tuple[pd.DataFrame, dict[Any, str]]:
    """Revert edits that also restore the order of galleries where a priority was null.

    Returns the edits (priorities set where a photo must change, rows added for photos the
    apply did not touch but the order needs) and, by edits index, why a row is not restored
    exactly. Galleries whose every sent priority was a number are left as they are: their
    edits already restore each value, and with it the order.
    """
    inexact: dict[Any, str] = {}
    edits = edits.copy()
    edits["priority"] = edits["priority"].astype("object")
    added: list[dict[str, Any]] = []
    for (guid, gallery), before in sent.items():
        if all(priority is not None for priority in before.values()):
            continue
        rows = (edits["guid"] == guid) & (edits["gallery"] == gallery)
        try:
            current = {
                image["name"]: image.get("priority") for image in client.list_images(guid, gallery)
            }
            original = {**current, **{n: p for n, p in before.items() if n in current}}
            known = {n: p for n, p in before.items() if n in current and p is not None}
            exact = {**current, **known}
            final = {**exact, **fewest_priority_changes(exact, shop_order(original))}
        except ShoptetError as exc:
            for index in edits.index[rows & edits["name"].isin(_blanks(before))]:
                inexact[index] = (
                    "priority not restored: it was empty before the apply, Shoptet cannot clear "
                    f"a priority, and the gallery could not be read to restore its order ({exc})"
                )
            continue
        for name, priority in final.items():
            mine = edits.index[rows & (edits["name"] == name)]
            if priority != current[name]:
                if len(mine):
                    # One row carries the priority: it is shared by the photo's languages.
                    edits.loc[mine, "priority"] = None
                    edits.at[mine[0], "priority"] = priority
                else:
                    # A photo the apply did not touch, moved so that the order comes back.
                    added.append(
                        {"guid": guid, "gallery": gallery, "name": name, "priority": priority}
                    )
            elif len(mine):
                edits.loc[mine, "priority"] = None  # already where the order needs it
            if priority != original[name]:
                message = _why_inexact(original[name], priority)
                for index in mine[:1]:
                    inexact[index] = message
                if not len(mine):
                    added[-1]["_inexact"] = message
    if added:
        start = len(edits)
        extra = pd.DataFrame(added, index=range(start, start + len(added)))
        for index, message in extra.get("_inexact", pd.Series(dtype=object)).dropna().items():
            inexact[index] = message
        edits = pd.concat([edits, extra.drop(columns="_inexact", errors="ignore")])
    return edits, inexact


def _blanks(before: dict[str, int | None]) -> list[str]:
    return [name for name, priority in before.items() if priority is None]


def _why_inexact(was: int | None, now: int | None) -> str:
    if was is None:
        return (
            f"priority not restored exactly: it was empty before the apply and Shoptet cannot "
            f"clear a priority; it is now {now}, which puts the gallery back in its earlier order"
        )
    return (
        f"priority is now {now}, not {was} as before the apply: a photo whose priority was "
        "empty cannot get it back, and this is the fewest writes that restore the order"
    )


def mark_inexact(rows: pd.DataFrame, inexact: dict[Any, str]) -> pd.DataFrame:
    """Revert result rows with the ones it could not restore exactly marked ``failed``."""
    if not inexact:
        return rows
    rows = rows.copy()
    for index, message in inexact.items():
        if rows.at[index, "status"] in ("updated", "unchanged"):
            rows.at[index, "status"] = "failed"
            rows.at[index, "message"] = message
    return rows
