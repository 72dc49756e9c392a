"""Plan an add: check the rows, wait out inserts still running on the galleries, read the
galleries, download every source and drop the photos a gallery already has.

Reads only; nothing is written and nothing is staged (a local file is hashed where it lies).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..._order import NoRoomError
from ...audit.fetch import photo_urls
from ...client import ShoptetClient
from ...errors import NotFoundError
from .jobs import images_path, running_inserts
from .order import Placement, place, placeholder
from .rows import AddRow
from .sources import MAX_SOURCE_BYTES, Source, download, judge, original_hashes

#: Longest wait for another run's insert jobs on the same galleries before planning.
RUNNING_WAIT_S = 120.0
_GalleryKey = tuple[str, str]


@dataclass
class AddPlan:
    """The rows (statuses ``would_add``, ``skipped_duplicate`` or ``invalid`` so far), each
    gallery's photos before, and where the new photos go."""

    client: ShoptetClient
    rows: list[AddRow]
    before: dict[_GalleryKey, dict[str, int | None]] = field(default_factory=dict)
    placements: dict[_GalleryKey, Placement] = field(default_factory=dict)
    default_language: str | None = None

    def to_add(self, key: _GalleryKey) -> list[AddRow]:
        """The rows of one gallery that are to be sent, in frame order."""
        return [r for r in self.rows if r.status == "would_add" and r.gallery_key == key]


def plan_add(
    client: ShoptetClient,
    rows: list[AddRow],
    *,
    allow_webp: bool,
    max_bytes: int | None,
    skip_duplicates: bool = True,
) -> AddPlan:
    """Read what is needed to add ``rows`` (see the module docstring)."""
    plan = AddPlan(client, rows)
    limit = max_bytes or MAX_SOURCE_BYTES
    live = [r for r in rows if not r.status]
    _check_languages(client, plan, live)
    live = [r for r in live if not r.status]
    keys = list(dict.fromkeys(r.gallery_key for r in live))
    if not keys:
        return plan
    _wait_for_running(client, {images_path(*k) for k in keys})
    for key, outcome in client.map(
        lambda k: {i["name"]: i.get("priority") for i in client.list_images(*k)}, keys
    ):
        if isinstance(outcome, NotFoundError):
            _end(live, key, "invalid", f"product {key[0]} is not in the shop")
        elif isinstance(outcome, BaseException):
            _end(live, key, "failed", f"could not read the gallery: {outcome}")
        else:
            plan.before[key] = outcome
    live = [r for r in live if not r.status]
    for row, found in client.map(lambda r: _source_of(client, r, allow_webp, limit), live):
        if isinstance(found, BaseException):
            row.end("invalid", f"the source could not be read: {found}")
        elif isinstance(found, str):
            row.end("invalid", found)
        else:
            row.sha256, row.size = found.sha256, found.size
    if skip_duplicates:
        _drop_duplicates(client, plan, [r for r in live if not r.status])
    else:
        for row in live:
            if not row.status:
                row.status = "would_add"
    for key in dict.fromkeys(r.gallery_key for r in rows if r.status == "would_add"):
        _place(plan, key)
    return plan


def _end(rows: list[AddRow], key: _GalleryKey, status: str, message: str) -> None:
    for row in rows:
        if row.gallery_key == key:
            row.end(status, message)


def _check_languages(client: ShoptetClient, plan: AddPlan, rows: list[AddRow]) -> None:
    if not any(r.language for r in rows):
        return
    known = client.languages()
    plan.default_language = client.default_language()
    for row in rows:
        if row.language and known and row.language not in known:
            row.end("invalid", f"language {row.language!r} is not one of the shop's {known}")
        elif row.language and row.description is None:
            row.end("invalid", f"language {row.language!r} given without a description")


def _wait_for_running(client: ShoptetClient, paths: set[str]) -> None:
    """Let insert jobs still running on these galleries (a run whose kernel died after the
    202) finish first: their photos must be in the gallery before it is compared."""
    deadline = time.monotonic() + RUNNING_WAIT_S
    pause = 0.25
    while running_inserts(client, paths) and time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 1.5, 10.0)


def _source_of(client: ShoptetClient, row: AddRow, allow_webp: bool, limit: int) -> Source | str:
    if row.path is not None:
        data: bytes | str = Path(row.path).expanduser().read_bytes()
        row.data = data if isinstance(data, bytes) else None
    else:
        assert row.source_url is not None
        data = download(client, row.source_url, limit)
    if isinstance(data, str):
        return data
    return judge(data, allow_webp=allow_webp, max_bytes=limit)


def _drop_duplicates(client: ShoptetClient, plan: AddPlan, rows: list[AddRow]) -> None:
    """``skipped_duplicate`` for a source the gallery already has, or an earlier row adds."""
    by_gallery: dict[_GalleryKey, list[AddRow]] = {}
    for row in rows:
        by_gallery.setdefault(row.gallery_key, []).append(row)
    if not by_gallery:
        return
    orig_path = photo_urls(client)[0]

    def run(fn: Callable[[str], Any], names: list[str]) -> Any:
        return client.map(fn, names)

    for key, members in by_gallery.items():
        sizes = {r.size for r in members if r.size is not None}
        shown, unread = original_hashes(client, orig_path, plan.before.get(key, {}), sizes, run)
        if unread:
            for row in members:
                row.end(
                    "failed",
                    "could not tell whether the gallery has this photo already (original(s) "
                    f"unreadable: {'; '.join(unread[:3])}); nothing was sent",
                )
            continue
        first_row: dict[str, Any] = {}
        for row in members:
            assert row.sha256 is not None
            if row.sha256 in shown:
                row.end("skipped_duplicate", f"the gallery has this photo as {shown[row.sha256]}")
                row.name = shown[row.sha256]
            elif row.sha256 in first_row:
                row.end("skipped_duplicate", f"the same file as row {first_row[row.sha256]!r}")
            else:
                first_row[row.sha256] = row.label
                row.status = "would_add"


def _place(plan: AddPlan, key: _GalleryKey) -> None:
    rows = plan.to_add(key)
    placed = [r for r in rows if r.priority is None]
    try:
        placement = place(plan.before[key], [r.position for r in placed])
    except NoRoomError as exc:
        for row in rows:
            row.end("invalid", str(exc))
        return
    for n, row in enumerate(placed):
        row.slot = placeholder(n)
        row.planned_priority = placement.new[row.slot]
    for row in rows:
        if row.priority is not None:
            row.planned_priority = row.priority
    plan.placements[key] = placement
