"""The threaded run of one plan: galleries in parallel under the client's limits, progress,
and an interrupt that freezes a partial Result."""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from .._signals import deferred_interrupts
from ..errors import ArgumentError, Interrupted
from ..plan import Plan
from ..progress_bar import Steps
from .assemble import result_of
from .gallery import write_gallery
from .journal import Journal, new_journal_path
from .result import Result
from .state import IN_FLIGHT, NOT_ATTEMPTED, UNDO, GalleryKey, Run
from .values import records

#: True for a progress bar, False for none, or a callback ``(done, total)``.
Progress = bool | Callable[[int, int], None]


def run_plan(
    plan: Plan,
    *,
    on_error: str,
    force: bool,
    journal: str | Path | bool | None,
    progress: Progress,
    recheck: Callable[[GalleryKey], bool],
    restoring: bool = False,
) -> Result:
    """Write ``plan``'s targets, a gallery per task on the client's threads; the Result.

    ``recheck(gallery)`` says whether to read a gallery again before writing it (not when the
    plan has just read it); ``restoring`` is set by revert. An interrupt raises
    :class:`~shoptet_nb.Interrupted` with the partial Result.
    """
    if on_error not in ("continue", "stop"):
        raise ArgumentError(f"on_error must be 'continue' or 'stop', got {on_error!r}")
    if not isinstance(plan, Plan):
        raise ArgumentError(
            f"apply() takes the Plan that plan_updates returned, got {type(plan).__name__}"
        )
    path = (
        new_journal_path(sandbox=plan.client.is_sandbox)
        if journal is None or journal is True
        else None
        if journal is False
        else Path(journal)
    )
    run = Run(plan, Journal(path if plan.targets.shape[0] else None), on_error, force)
    run.restoring = restoring
    journal_path = path if run.journal.path else None
    jobs: dict[GalleryKey, list[dict[str, Any]]] = {}
    bar = None
    try:
        # Plain records, grouped once: the workers then touch no pandas objects, which would
        # hold the GIL and slow down the other requests in flight.
        for target in records(plan.targets):
            where = (target["guid"], target["gallery"], target["language"])
            jobs.setdefault(where, []).append(target)
        bar = Steps("Writing galleries", total=len(jobs), unit="galleries", progress=progress)
        # closing(): an interrupt anywhere in this loop still stops and waits for the workers.
        with closing(
            plan.client.map(
                lambda key: _work(run, key, jobs[key], recheck(key)),
                list(jobs),
                stop=run.interrupted,
            )
        ) as outcomes:
            for gallery_key, outcome in outcomes:
                bar.done()
                if isinstance(outcome, BaseException):
                    # A bug in one worker must not lose the other rows' statuses.
                    for target in jobs[gallery_key]:
                        key = (*gallery_key[:2], target["name"], gallery_key[2])
                        if key not in run.outcomes:
                            run.mark(key, "failed", f"{type(outcome).__name__}: {outcome}")
    except KeyboardInterrupt:
        # client.map has stopped new requests and waited for those in flight (unless
        # interrupted again); the journal stays open until the last worker has ended. A
        # further Ctrl+C now would lose the partial Result: it is held back while it is built.
        with deferred_interrupts():
            run.interrupted.set()
            interrupted = _interrupted(run, jobs, journal_path)
        raise interrupted from None
    finally:
        with deferred_interrupts():
            if bar is not None:
                bar.close()
            run.close_journal_when_idle()
    return result_of(run, journal_path)


def _work(run: Run, gallery_key: GalleryKey, targets: list[dict[str, Any]], recheck: bool) -> None:
    """One gallery in a worker thread, counted so the journal outlives every worker."""
    with run.lock:
        run.active += 1
    try:
        write_gallery(run, gallery_key, targets, recheck)
    finally:
        with run.lock:
            run.active -= 1
            last = run.closing and not run.active
        if last:
            run.journal.close()


def _interrupted(
    run: Run, jobs: dict[GalleryKey, list[dict[str, Any]]], path: Path | None
) -> Interrupted:
    """The Interrupted exception carrying the partial Result, frozen as it is now."""
    with run.lock:
        # Taking the lock once after `interrupted` was set: no worker is half-way through
        # journaling a call now. Late answers still go to the journal, not to this Result.
        frozen = copy.copy(run)
        frozen.outcomes = dict(run.outcomes)
        frozen.sent = set(run.sent)
        frozen.errors = list(run.errors)
        frozen.after = {key: list(records) for key, records in run.after.items()}
    written = unanswered = waiting = 0
    for gallery_key, targets in jobs.items():
        messages = set()
        for target in targets:
            key = (*gallery_key[:2], target["name"], gallery_key[2])
            if key not in frozen.outcomes:
                sent = key in frozen.sent
                frozen.outcomes[key] = {
                    "status": "failed" if sent else "not_attempted",
                    "message": IN_FLIGHT if sent else NOT_ATTEMPTED,
                }
            messages.add((frozen.outcomes[key]["status"], frozen.outcomes[key].get("message")))
        written += any(status == "updated" for status, _ in messages)
        unanswered += ("failed", IN_FLIGHT) in messages
        waiting += any(status == "not_attempted" for status, _ in messages)
    doubt = f" ({unanswered} sent without an answer: they may have landed)" if unanswered else ""
    where = (
        f"journal {path}; {UNDO}"
        if path is not None
        else "no journal file (journal=False): revert(exc.result) undoes it"
    )
    message = (
        f"interrupted: {written} of {len(jobs)} galleries written{doubt}, {waiting} not "
        f"attempted; {where} / apply the same plan again to finish"
    )
    return Interrupted(message, result_of(frozen, path))
