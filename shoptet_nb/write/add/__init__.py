"""Adding photos to galleries from URLs (or local files with a stager): ``add_images``.

Modules: :mod:`.rows` (the frame, checked before any request), :mod:`.sources` (bytes and
content hashes), :mod:`.order` (where new photos go), :mod:`.plan` (reads: galleries, sources,
duplicates), :mod:`.jobs` (POST once, find a job after a lost answer, wait on the job list,
the result file), :mod:`.run` (the three phases), :mod:`.result` and :mod:`.undo` (revert).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ...client import ShoptetClient
from ...errors import ArgumentError, Interrupted
from ...progress_bar import Steps
from ..journal import Journal, journal_file
from .plan import plan_add
from .result import ADD_STATUSES, AddResult, rows_frame
from .rows import read_rows
from .run import run_add

__all__ = ["ADD_STATUSES", "AddResult", "add_images"]


def add_images(
    client: ShoptetClient,
    frame: pd.DataFrame,
    *,
    dry_run: bool | None = None,
    journal: str | Path | bool | None = None,
    stage: Callable[[bytes], str] | None = None,
    allow_webp: bool = False,
    max_bytes: int | None = None,
    timeout: float = 600.0,
    skip_duplicates: bool = True,
    progress: bool | Callable[[int, int], None] = True,
) -> AddResult:
    """Add photos to product galleries: one row per photo, each ending with a status.

    Rows: ``guid``, ``gallery`` (``shop`` when absent), ``source_url`` (a public URL Shoptet's
    servers download) or ``path`` (a local file, uploaded by ``stage(bytes) -> url``), and
    optionally ``description``, ``language``, ``position`` (1-based place after the add; by
    default a photo goes after the last one with a priority) or ``priority`` (sent as is).

    Before anything is sent each source is downloaded (without the token) and checked, and a
    photo whose bytes the gallery already has is ``skipped_duplicate``: running the same frame
    again adds nothing twice (``skip_duplicates=False`` sends them anyway). ``dry_run``
    defaults to True on a real shop and False on the sandbox. Statuses: ``added`` (with the
    new ``name``), ``would_add`` (dry run), ``skipped_duplicate``, ``invalid``, ``failed``,
    ``conflict``, ``not_attempted``. ``progress``: a bar of the galleries done (True), none
    (False), or a callback ``(done, total)``, as for ``apply``.
    ``revert(result)`` deletes exactly the photos it added and moves back the priorities it
    changed to make room for a ``position``.

    >>> frame = pd.DataFrame({"guid": [guid], "source_url": [url]})   # doctest: +SKIP
    >>> result = shoptet_nb.add_images(client, frame, dry_run=False)   # doctest: +SKIP
    >>> result.rows[["status", "name"]]                                # doctest: +SKIP
    """
    if stage is not None and not callable(stage):
        raise ArgumentError("stage must be a function bytes -> public URL (or None)")
    rows = read_rows(frame, staged=stage is not None)
    if dry_run is None:
        dry_run = not client.is_sandbox
    try:
        plan = plan_add(
            client,
            rows,
            allow_webp=allow_webp,
            max_bytes=max_bytes,
            skip_duplicates=skip_duplicates,
        )
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted while reading the shop to plan: nothing was sent (exc.result is "
            "None); run the same call again",
            None,
        ) from None
    if dry_run:
        return AddResult(client, rows_frame(rows, frame.index), dry_run=True)
    path = journal_file(journal, sandbox=client.is_sandbox)
    sending = any(r.status == "would_add" for r in rows)
    log = Journal(path if sending else None)
    galleries = len({r.gallery_key for r in rows if r.status == "would_add"})
    shown = progress if galleries else False  # nothing to send: no "0 of 0" bar
    steps = Steps("Adding photos", total=galleries, unit="galleries", progress=shown)
    try:
        run_add(plan, log, stage, timeout, steps.done)
    except KeyboardInterrupt:
        for row in rows:
            if row.status == "would_add":
                row.status = "not_attempted" if row.job_id is None else "failed"
                row.message = (
                    "interrupted before it was sent"
                    if row.job_id is None
                    else f"interrupted while job {row.job_id} ran: run the same frame again "
                    "(photos already there are skipped)"
                )
        result = AddResult(client, rows_frame(rows, frame.index), False, log.path, log.entries)
        where = (
            f"journal {log.path}; revert(exc.result) or revert(journal_path, client=client) "
            "deletes what was added"
            if log.path is not None
            else "no journal file (journal=False): revert(exc.result) deletes what was added"
        )
        raise Interrupted(
            f"interrupted: exc.result has a row per photo; {where} / run the same frame again "
            "to finish (photos already there are skipped)",
            result,
        ) from None
    finally:
        steps.close()
        log.close()
    return AddResult(client, rows_frame(rows, frame.index), False, log.path, log.entries)
