"""Run a :class:`~shoptet_nb.plan.Plan`: ``apply``, ``update_images`` and ``revert``.

``apply`` re-reads each changed gallery once, just before writing it, and refuses to overwrite an
image that changed on the server since the plan's base (status ``conflict``) unless
``force=True``. It then sends the plan's PATCH calls, at most three at a time, and accounts for
every input row:

==============  ================================================================
updated         sent, and the server's answer (or, when it was lost, a read of the gallery
                afterwards) shows the new values
unchanged       nothing to send (already had these values, or the row changes nothing)
invalid         the row broke a rule; never sent
not_found       the product or image is not in the shop
conflict        changed on the server since the plan; not overwritten
failed          the call failed or the server skipped the image, or revert could not
                restore it exactly (a priority that was null); see the message
not_attempted   not sent because the run stopped (``on_error="stop"``, the token
                expired, or an interrupt): apply the same edits again to finish
would_update    (dry run only) would be sent
==============  ================================================================

An interrupt (Ctrl+C, Jupyter's "Interrupt kernel") stops new requests at once, waits for the
calls in flight (a second interrupt stops waiting) and raises :class:`~shoptet_nb.Interrupted`,
whose ``result`` is this partial Result; the journal has a line for every gallery that was sent.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._html import result_html
from ._limits import Cancelled
from ._retry import RETRYABLE_STATUSES
from ._signals import deferred_interrupts
from ._undo import mark_inexact, priorities_sent, restore_order
from .client import ShoptetClient
from .columns import EDITABLE_FIELDS, IMAGE_COLUMNS, RESULT_COLUMNS, empty_frame, typed
from .errors import APIError, ArgumentError, AuthenticationError, Interrupted, NetworkError
from .frames import errors_to_frame, images_to_frame, parse_times
from .journal import Journal, new_journal_path, read_journal
from .plan import ALREADY_DONE, KEY, Plan, count_statuses, plan_updates, request_item
from .progress_bar import counted_bar
from .read import url_builder

_T = TypeVar("_T")

RESULT_STATUSES = (
    "updated",
    "would_update",
    "unchanged",
    "invalid",
    "not_found",
    "conflict",
    "failed",
    "not_attempted",
)
_ITEM_INDEX = re.compile(r"data\.images\[(\d+)\]")
_UNDO = "revert(journal_path, client=client) undoes it"
_NOT_ATTEMPTED = (
    "not attempted: the run was interrupted; apply the same plan again to finish "
    f"(what was written: {_UNDO})"
)
_IN_FLIGHT = (
    "sent, but the run was interrupted before the answer came back: it may have landed; "
    f"the journal has it ({_UNDO} if it did)"
)

# guid, gallery, name, language ("" = the shop's default); values come out of frames, so Any.
Key = tuple[Any, Any, Any, Any]
GalleryKey = tuple[Any, Any, Any]
#: True for a progress bar, False for none, or a callback ``(done, total)``.
Progress = bool | Callable[[int, int], None]


@dataclass
class Result:
    """What happened: ``rows`` (one per input row, same index), ``images`` (the galleries as
    the server returned them after the update) and ``errors`` (the server's error items)."""

    client: ShoptetClient
    rows: pd.DataFrame
    images: pd.DataFrame
    errors: pd.DataFrame
    plan: Plan
    dry_run: bool = False
    journal_path: Path | None = None
    journal_entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status listed."""
        return count_statuses(self.rows, RESULT_STATUSES)

    @property
    def failed(self) -> pd.DataFrame:
        """Rows that need attention: failed, conflict or not attempted."""
        return self.rows[self.rows["status"].isin(["failed", "conflict", "not_attempted"])]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        kind = "dry run" if self.dry_run else "result"
        return f"<Result ({kind}) {len(self.rows)} rows: {counts or 'empty'}>"

    def _repr_html_(self) -> str:
        return result_html(self)


def apply(
    plan: Plan,
    *,
    on_error: str = "continue",
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
) -> Result:
    """Send a plan's changes, under the client's limits; a row of outcome per input row.

    ``on_error="stop"`` stops at the first failed call and leaves the rest ``not_attempted``;
    ``force=True`` overwrites images that changed since the plan's base. ``journal`` is a file
    path, ``None`` for a new file in the journal folder, or ``False`` for memory only.
    ``progress`` shows a bar (True), nothing (False), or calls ``progress(done, total)`` with
    galleries written so far (a widget's progress indicator). An interrupt sends nothing new,
    waits for the calls in flight and raises :class:`~shoptet_nb.Interrupted`; its ``result``
    is this Result so far (as do ``update_images`` and ``revert``).

    >>> result = shoptet_nb.apply(plan)      # doctest: +SKIP
    >>> result.rows["status"].value_counts() # doctest: +SKIP
    """
    return _run(
        plan,
        on_error=on_error,
        force=force,
        journal=journal,
        progress=progress,
        recheck=lambda key: True,
    )


def update_images(
    client: ShoptetClient,
    edits: pd.DataFrame,
    *,
    base: pd.DataFrame | None = None,
    dry_run: bool = False,
    on_error: str = "continue",
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
) -> Result:
    """Plan and apply in one call. With ``dry_run=True`` nothing is written.

    Galleries the plan has just read are not read again before writing.
    """
    plan = _planned(lambda: plan_updates(client, edits, base=base, progress=progress is True))
    if dry_run:
        return dry_run_result(plan)
    fresh = plan.fresh_keys
    return _run(
        plan,
        on_error=on_error,
        force=force,
        journal=journal,
        progress=progress,
        recheck=lambda key: key not in fresh,
    )


def dry_run_result(plan: Plan) -> Result:
    """The Result of a plan that is not applied: statuses as planned, nothing written."""
    rows = plan.rows.rename(columns={"reason": "message"})
    return Result(
        client=plan.client,
        rows=typed(rows, RESULT_COLUMNS),
        images=empty_frame(IMAGE_COLUMNS),
        errors=errors_to_frame([]),
        plan=plan,
        dry_run=True,
    )


def unsent_result(plan: Plan, message: str, *, status: str = "not_attempted") -> Result:
    """The Result of a plan whose apply never ran, or stopped before it could say what it did.

    Rows the plan would have written get ``status`` (``not_attempted``; ``failed`` when some
    may have been sent: the journal then says which) and ``message``; the others keep the
    plan's status (invalid, unchanged ...).

    >>> rest = unsent_result(part, "not attempted: the save was interrupted")  # doctest: +SKIP
    """
    if status not in RESULT_STATUSES:
        raise ArgumentError(f"unknown status {status!r}: use one of {', '.join(RESULT_STATUSES)}")
    result = dry_run_result(plan)
    rows = result.rows.copy()
    waiting = (rows["status"] == "would_update").to_numpy()
    rows.loc[waiting, "status"] = status
    rows.loc[waiting, "message"] = message
    result.rows = rows
    result.dry_run = False
    return result


def combine_results(results: Sequence[Result], *, plan: Plan | None = None) -> Result:
    """One Result of several applies (the parts of one save): rows, images, errors and journal
    entries of each, in order.

    ``plan`` is the whole plan the parts came from (:func:`~shoptet_nb.plan.split_plan`): the
    Result then holds it, and its rows follow the plan's order when their labels allow. The
    journal path is the one the parts share (``None`` when they wrote to different files: the
    entries still let ``revert(result)`` undo every part).

    >>> parts = split_plan(plan, 30)                                # doctest: +SKIP
    >>> whole = combine_results([apply(p) for p in parts], plan=plan)  # doctest: +SKIP
    >>> shoptet_nb.revert(whole)                                    # doctest: +SKIP
    """
    if not results:
        raise ArgumentError("combine_results() needs at least one Result")
    first = results[0]
    rows = _concat([r.rows for r in results], keep_index=True)
    whole = plan if plan is not None else first.plan
    if whole.rows.index.is_unique and rows.index.is_unique:
        place = whole.rows.index.get_indexer(rows.index)
        # Rows of the plan first, in its order; any other row after them, as given.
        place = np.where(place < 0, len(whole.rows) + np.arange(len(rows)), place)
        rows = rows.iloc[np.argsort(place, kind="stable")]
    paths = {r.journal_path for r in results if r.journal_path is not None}
    return Result(
        client=first.client,
        rows=rows,
        images=_concat([r.images for r in results], keep_index=False),
        errors=_concat([r.errors for r in results], keep_index=False),
        plan=whole,
        dry_run=all(r.dry_run for r in results),
        journal_path=paths.pop() if len(paths) == 1 else None,
        journal_entries=[entry for r in results for entry in r.journal_entries],
    )


def _concat(frames: list[pd.DataFrame], *, keep_index: bool) -> pd.DataFrame:
    """Frames of the same columns one after another (rows keep the plan's index); empty ones
    are skipped, as pandas would otherwise let them change the columns' types."""
    filled = [f for f in frames if len(f)] or frames[:1]
    if len(filled) == 1:
        return filled[0] if keep_index else filled[0].reset_index(drop=True)
    return pd.concat(filled, ignore_index=not keep_index)


def revert(
    source: Result | str | Path,
    *,
    client: ShoptetClient | None = None,
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
) -> Result:
    """Restore the captions and priorities an apply changed, from its Result or journal file.

    Goes through plan and apply like any edit, so an image changed again since the apply is
    reported as ``conflict`` and left alone unless ``force=True``. Shoptet cannot set a caption
    or priority back to null: a null caption is restored as ``""``. Where a priority was null,
    the gallery's order is restored instead, with the fewest writes (the main image is the
    main image again), and that photo's row is ``failed`` with a message saying its priority
    could not be cleared.

    >>> undone = shoptet_nb.revert(result)                          # doctest: +SKIP
    >>> undone = shoptet_nb.revert("apply-....jsonl", client=client)  # doctest: +SKIP
    """
    if isinstance(source, Result):
        entries = source.journal_entries
        client = client or source.client
    else:
        if client is None:
            raise ArgumentError("revert(journal_path) needs client=: the shop to restore")
        entries = read_journal(source)
    edits, base = _revert_frames(entries)
    if edits.empty:
        raise ArgumentError("the journal records no image that was sent: nothing to revert")
    edits, inexact = _planned(lambda: restore_order(client, edits, priorities_sent(entries)))
    plan = _planned(lambda: plan_updates(client, edits, base=base, progress=progress is True))
    result = _run(
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


def _planned(make: Callable[[], _T]) -> _T:
    """What ``make`` returns (a plan, or what it reads to plan); an interrupt while it reads
    the shop has sent nothing yet."""
    try:
        return make()
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted while reading the shop to plan: nothing was written "
            "(exc.result is None); run the same call again",
            None,
        ) from None


# -- the run --------------------------------------------------------------------------------


class _Run:
    """State shared by the worker threads of one apply."""

    def __init__(self, plan: Plan, journal: Journal, on_error: str, force: bool) -> None:
        self.plan = plan
        self.client = plan.client
        self.journal = journal
        self.on_error = on_error
        self.force = force
        #: A revert: a caption it restores as "" (it was none) is done if the photo has none.
        self.restoring = False
        self.lock = threading.Lock()
        self.outcomes: dict[Key, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.after: dict[GalleryKey, list[dict[str, Any]]] = {}
        self.stop = threading.Event()
        self.stop_reason = ""
        # Set by client.map when the caller is interrupted: nothing new is sent after it.
        self.interrupted = threading.Event()
        self.sent: set[Key] = set()  # images whose call was journaled, so may have been sent
        self.active = 0  # workers inside _write_gallery
        self.closing = False  # close the journal when the last worker ends
        names = plan.base[["guid", "product_name"]] if plan.base is not None else None
        self.product_names: dict[str, Any] = (
            dict(zip(names["guid"], names["product_name"], strict=True))
            if names is not None and not names.empty
            else {}
        )

    def mark(self, key: Key, status: str, message: str | None = None, **extra: Any) -> None:
        with self.lock:
            self.outcomes[key] = {"status": status, "message": message, **extra}

    def stopped(self) -> str | None:
        """Why nothing more may be sent (the not_attempted message), or None."""
        if self.interrupted.is_set():
            return _NOT_ATTEMPTED
        return self.stop_reason if self.stop.is_set() else None

    def begin_send(self, keys: list[Key], intent: dict[str, Any]) -> str | None:
        """Journal a call before it is sent, unless the run stopped (then return why).

        Check and write happen under one lock, and an interrupt takes that lock once after
        setting ``interrupted``: so when control returns to the user, every call that may still
        go out already has its line in the journal.
        """
        with self.lock:
            reason = self.stopped()
            if reason is None:
                self.sent.update(keys)
                self.journal.write(intent)
            return reason

    def close_journal_when_idle(self) -> None:
        """Close the journal now, or when the last worker still in flight ends."""
        with self.lock:
            self.closing = True
            if self.active:
                return
        self.journal.close()

    def halt(self, reason: str) -> None:
        with self.lock:
            if not self.stop.is_set():
                self.stop_reason = reason
                self.stop.set()

    def failure(self, guid: str, gallery: str, exc: APIError | NetworkError) -> dict[str, Any]:
        info = _failure_info(exc)
        if self.interrupted.is_set():
            info["message"] += "; the run was interrupted meanwhile (no retry)"
        with self.lock:
            self.errors.append(
                {
                    "guid": guid,
                    "gallery": gallery,
                    "instance": getattr(exc, "instance", None),
                    **{k: info[k] for k in ("error_code", "message", "http_status", "request_id")},
                }
            )
        if isinstance(exc, AuthenticationError):
            self.halt(
                f"not attempted: the token was refused ({exc.error_code}); connect with a "
                "valid token and apply the same edits again"
            )
        elif self.on_error == "stop":
            self.halt(
                "not attempted: an earlier call failed and on_error='stop'; fix it and "
                "apply the same edits again"
            )
        return info


def _run(
    plan: Plan,
    *,
    on_error: str,
    force: bool,
    journal: str | Path | bool | None,
    progress: Progress,
    recheck: Callable[[GalleryKey], bool],
    restoring: bool = False,
) -> Result:
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
    run = _Run(plan, Journal(path if plan.targets.shape[0] else None), on_error, force)
    run.restoring = restoring
    journal_path = path if run.journal.path else None
    jobs: dict[GalleryKey, list[dict[str, Any]]] = {}
    bar = None
    try:
        # Plain records, grouped once: the workers then touch no pandas objects, which would
        # hold the GIL and slow down the other requests in flight.
        for target in _records(plan.targets):
            where = (target["guid"], target["gallery"], target["language"])
            jobs.setdefault(where, []).append(target)
        report = progress if callable(progress) else None
        bar = counted_bar(
            "Writing galleries", total=len(jobs), unit="galleries", disable=progress is not True
        )
        if report is not None:
            report(0, len(jobs))
        # closing(): an interrupt anywhere in this loop still stops and waits for the workers.
        with closing(
            plan.client.map(
                lambda key: _work(run, key, jobs[key], recheck(key)),
                list(jobs),
                stop=run.interrupted,
            )
        ) as outcomes:
            for done, (gallery_key, outcome) in enumerate(outcomes, start=1):
                bar.update()
                if report is not None:
                    report(done, len(jobs))
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
    return _result(run, journal_path)


def _work(run: _Run, gallery_key: GalleryKey, targets: list[dict[str, Any]], recheck: bool) -> None:
    """One gallery in a worker thread, counted so the journal outlives every worker."""
    with run.lock:
        run.active += 1
    try:
        _write_gallery(run, gallery_key, targets, recheck)
    finally:
        with run.lock:
            run.active -= 1
            last = run.closing and not run.active
        if last:
            run.journal.close()


def _interrupted(
    run: _Run, jobs: dict[GalleryKey, list[dict[str, Any]]], path: Path | None
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
                    "message": _IN_FLIGHT if sent else _NOT_ATTEMPTED,
                }
            messages.add((frozen.outcomes[key]["status"], frozen.outcomes[key].get("message")))
        written += any(status == "updated" for status, _ in messages)
        unanswered += ("failed", _IN_FLIGHT) in messages
        waiting += any(status == "not_attempted" for status, _ in messages)
    doubt = f" ({unanswered} sent without an answer: they may have landed)" if unanswered else ""
    where = (
        f"journal {path}; {_UNDO}"
        if path is not None
        else "no journal file (journal=False): revert(exc.result) undoes it"
    )
    message = (
        f"interrupted: {written} of {len(jobs)} galleries written{doubt}, {waiting} not "
        f"attempted; {where} / apply the same plan again to finish"
    )
    return Interrupted(message, _result(frozen, path))


def _write_gallery(
    run: _Run, gallery_key: GalleryKey, targets: list[dict[str, Any]], recheck: bool
) -> None:
    guid, gallery, language = gallery_key
    lang = language or None
    reason = run.stopped()
    if reason is not None:
        for target in targets:
            run.mark((guid, gallery, target["name"], language), "not_attempted", reason)
        return
    before: dict[Any, dict[str, Any]] = {
        t["name"]: {
            "priority": t["old_priority"],
            "description": t["old_description"],
            "changeTime": None,
        }
        for t in targets
    }
    if recheck:
        try:
            envelope = run.client.list_images_envelope(guid, gallery, language=lang)
        except Cancelled:
            for target in targets:
                run.mark((guid, gallery, target["name"], language), "not_attempted", _NOT_ATTEMPTED)
            return
        except (APIError, NetworkError) as exc:
            info = run.failure(guid, gallery, exc)
            info["message"] = f"could not re-read the gallery before writing: {info['message']}"
            for target in targets:
                run.mark((guid, gallery, target["name"], language), "failed", **info)
            return
        current = {r.get("name"): r for r in (envelope.data or {}).get("images") or []}
        targets = _screen(run, gallery_key, targets, current, before)
        if not targets:
            return
    items = [request_item(target) for target in targets]
    per_call = run.client.settings.max_images_per_call
    for start in range(0, len(items), per_call):
        _send_chunk(run, gallery_key, items[start : start + per_call], before)


def _screen(
    run: _Run,
    gallery_key: GalleryKey,
    targets: list[dict[str, Any]],
    current: dict[Any, dict[str, Any]],
    before: dict[Any, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Keep the targets that may be written; mark the rest (gone, done already, conflict)."""
    guid, gallery, language = gallery_key
    keep = []
    for target in targets:
        name = target["name"]
        key = (guid, gallery, name, language)
        record = current.get(name)
        if record is None:
            run.mark(
                key,
                "not_found",
                f"image {name!r} was removed from the gallery after the plan was made",
            )
            continue
        now_p, now_d = record.get("priority"), record.get("description")
        wanted_p = target["new_priority"] if target["send_priority"] else now_p
        wanted_d = target["new_description"] if target["send_description"] else now_d
        # Revert restores a caption that was none as "": a photo that has none again (the
        # write never landed) is restored already, not someone else's change.
        if _same(now_p, wanted_p) and (
            _same(now_d, wanted_d) or (run.restoring and now_d is None and wanted_d == "")
        ):
            run.mark(
                key,
                "unchanged",
                "the image already has these values (an earlier run may have applied them)",
                new_priority=now_p,
                new_description=now_d,
                old_priority=now_p,
                old_description=now_d,
            )
            continue
        ours = run.plan.shared_photos.get((guid, gallery, name))
        moved = _changed_since(record, target, ours)
        if moved and not run.force:
            run.mark(
                key,
                "conflict",
                f"changed on the server since the plan ({moved}); read "
                "again and re-plan, or apply(force=True) to overwrite",
                old_priority=now_p,
                old_description=now_d,
            )
            continue
        before[name] = _before_write(record, target, ours)
        keep.append(target)
    return keep


def _send_chunk(
    run: _Run,
    gallery_key: GalleryKey,
    chunk: list[dict[str, Any]],
    before: dict[Any, dict[str, Any]],
) -> None:
    guid, gallery, language = gallery_key
    keys = [(guid, gallery, item["name"], language) for item in chunk]
    reason = run.begin_send(
        keys,
        {
            "event": "intent",
            "guid": guid,
            "gallery": gallery,
            "language": language or None,
            "product_name": _plain(run.product_names.get(guid)),
            "images": [
                {
                    "name": item["name"],
                    "before": before.get(item["name"]),
                    "set": {k: v for k, v in item.items() if k != "name"},
                }
                for item in chunk
            ],
        },
    )
    if reason is not None:
        for key in keys:
            run.mark(key, "not_attempted", reason)
        return
    try:
        (envelope,) = run.client.update_images(guid, gallery, chunk, language=language or None)
    except Cancelled:
        # Stopped before the request left (waiting for a slot): it was journaled, not sent.
        for key in keys:
            run.mark(key, "not_attempted", _NOT_ATTEMPTED)
        run.journal.write(
            {
                "event": "failed",
                "guid": guid,
                "gallery": gallery,
                "language": language or None,
                "message": "not sent: the run was interrupted",
                "names": [item["name"] for item in chunk],
            }
        )
        return
    except (APIError, NetworkError) as exc:
        stopped = run.stop.is_set()  # a stopped run sends nothing more, not even a read
        info = run.failure(guid, gallery, exc)
        landed = (
            _check_landed(run, gallery_key, chunk, info, read=not stopped)
            if _may_have_landed(exc)
            else []
        )
        if landed:
            _confirm(run, gallery_key, landed, before, info)
        missed = [item for item in chunk if item not in landed]
        for item in missed:
            run.mark((guid, gallery, item["name"], language), "failed", **info)
        if missed:
            run.journal.write(
                {
                    "event": "failed",
                    "guid": guid,
                    "gallery": gallery,
                    "language": language or None,
                    "message": info["message"],
                    "names": [item["name"] for item in missed],
                }
            )
        return
    after = {r.get("name"): r for r in (envelope.data or {}).get("images") or []}
    skipped: dict[str, dict[str, Any]] = {}
    for error in envelope.errors:
        match = _ITEM_INDEX.search(str(error.get("instance") or ""))
        if match and int(match.group(1)) < len(chunk):
            skipped[chunk[int(match.group(1))]["name"]] = error
        with run.lock:
            run.errors.append(
                {
                    "guid": guid,
                    "gallery": gallery,
                    "error_code": error.get("errorCode"),
                    "message": error.get("message"),
                    "instance": error.get("instance"),
                    "http_status": envelope.status,
                    "request_id": envelope.request_id,
                }
            )
    confirmed = []
    for item in chunk:
        name = item["name"]
        key = (guid, gallery, name, language)
        common = {"http_status": envelope.status, "request_id": envelope.request_id}
        old = before.get(name) or {}
        if name in skipped:
            error = skipped[name]
            status = "not_found" if str(error.get("instance", "")).endswith(".name") else "failed"
            run.mark(key, status, error.get("message"), error_code=error.get("errorCode"), **common)
            continue
        record = after.get(name)
        if record is None or any(not _same(record.get(f), v) for f, v in item.items()):
            run.mark(
                key,
                "failed",
                "the server answered 200 but its gallery does not show the new values",
                **common,
            )
            continue
        run.mark(
            key,
            "updated",
            None,
            old_priority=old.get("priority"),
            old_description=old.get("description"),
            new_priority=record.get("priority"),
            new_description=record.get("description"),
            **common,
        )
        confirmed.append({"name": name, "after": _after(record)})
    _remember_gallery(run, gallery_key, after)
    run.journal.write(
        {
            "event": "result",
            "guid": guid,
            "gallery": gallery,
            "language": language or None,
            "request_id": envelope.request_id,
            "images": confirmed,
        }
    )


def _may_have_landed(exc: APIError | NetworkError) -> bool:
    """Whether a write that ended in ``exc`` may still have been applied by the server.

    A lost answer (timeout, dropped connection), a server failure or a 423/429 after retries
    (an earlier attempt may have landed, or still be running) may have; a refusal has not.
    """
    return isinstance(exc, NetworkError) or exc.status in RETRYABLE_STATUSES


def _check_landed(
    run: _Run,
    gallery_key: GalleryKey,
    chunk: list[dict[str, Any]],
    info: dict[str, Any],
    *,
    read: bool,
) -> list[dict[str, Any]]:
    """Read the gallery after a write that may have landed: the items it shows as sent.

    Rewrites ``info["message"]`` to say what the read told, or that the write may have landed
    when it was not read (``read=False``) or the read failed.
    """
    guid, gallery, language = gallery_key
    unknown = f"{info['message']}; the write may have landed (it was sent, but no answer said so)"
    if not read:
        info["message"] = f"{unknown}: read the gallery to check"
        return []
    try:
        envelope = run.client.list_images_envelope(guid, gallery, language=language or None)
    except (APIError, NetworkError) as exc:
        info["message"] = f"{unknown}, and reading the gallery to tell failed too ({exc})"
        return []
    now = {r.get("name"): r for r in (envelope.data or {}).get("images") or []}
    _remember_gallery(run, gallery_key, now)
    landed = [
        item
        for item in chunk
        if item["name"] in now and all(_same(now[item["name"]].get(f), v) for f, v in item.items())
    ]
    info["message"] = (
        f"{info['message']}; a read of the gallery afterwards does not show the new values"
    )
    return landed


def _confirm(
    run: _Run,
    gallery_key: GalleryKey,
    items: list[dict[str, Any]],
    before: dict[Any, dict[str, Any]],
    info: dict[str, Any],
) -> None:
    """Mark items whose lost write a later read shows as landed, and journal their after."""
    guid, gallery, language = gallery_key
    records = {r.get("name"): r for r in run.after.get(gallery_key, [])}
    confirmed = []
    for item in items:
        record, old = records[item["name"]], before.get(item["name"]) or {}
        run.mark(
            (guid, gallery, item["name"], language),
            "updated",
            f"the answer was lost ({info['error_code']}), but a read of the gallery "
            "afterwards shows the new values",
            old_priority=old.get("priority"),
            old_description=old.get("description"),
            new_priority=record.get("priority"),
            new_description=record.get("description"),
            http_status=info["http_status"],
            request_id=info["request_id"],
        )
        confirmed.append({"name": item["name"], "after": _after(record)})
    run.journal.write(
        {
            "event": "result",
            "guid": guid,
            "gallery": gallery,
            "language": language or None,
            "request_id": None,
            "images": confirmed,
        }
    )


def _before_write(
    record: dict[str, Any], target: dict[str, Any], ours: dict[str, list[Any]] | None
) -> dict[str, Any]:
    """What the journal keeps as an image's 'before': what the shop had just before this write.

    For a photo this run also writes in another language, a field that already shows a value
    the run sends may be the run's own write (the shared priority, or a caption the other
    language falls back to): then the plan's old value is the one revert must restore.
    """
    before = _after(record)
    for column in EDITABLE_FIELDS:
        if ours is not None and any(_same(before[column], v) for v in ours.get(column, [])):
            before[column] = target[f"old_{column}"]
    return before


def _after(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a server record the journal keeps as an image's 'after'."""
    return {
        "priority": record.get("priority"),
        "description": record.get("description"),
        "changeTime": record.get("changeTime"),
    }


def _remember_gallery(run: _Run, gallery_key: GalleryKey, records: dict[Any, Any]) -> None:
    """Keep the newest record of every image of a gallery for ``Result.images``.

    Each PATCH answers with the gallery after it (or, on a shop that answers with only the
    named images, those): a gallery sent in several calls keeps what every call showed.
    """
    with run.lock:
        known = {r.get("name"): r for r in run.after.get(gallery_key, [])}
        known.update(records)
        run.after[gallery_key] = sorted(known.values(), key=_admin_order)


def _admin_order(record: dict[str, Any]) -> tuple[bool, int, str]:
    """Shoptet's gallery order: priority ascending, no priority last, ties by name."""
    priority = record.get("priority")
    return (priority is None, priority or 0, str(record.get("name")))


# -- assembling the Result ------------------------------------------------------------------


def _result(run: _Run, journal_path: Path | None) -> Result:
    plan = run.plan
    rows = plan.rows.rename(columns={"reason": "message"}).reset_index(drop=True)
    rows = rows.astype({c: "object" for c in rows.columns})
    for column in ("http_status", "error_code", "request_id"):
        rows[column] = None
    sent = np.flatnonzero((rows["status"] == "would_update").to_numpy())
    if len(sent):
        # One frame of outcomes, looked up by image key and written column by column.
        keys = list(run.outcomes)
        found = pd.MultiIndex.from_tuples(keys, names=KEY) if keys else None
        wanted = pd.MultiIndex.from_frame(
            rows.loc[sent, KEY].fillna({"language": ""}).astype(object)
        )
        where = found.get_indexer(wanted) if found is not None else np.full(len(sent), -1)
        missing = {"status": "not_attempted", "message": "not attempted: the run ended before it"}
        hit = where >= 0
        for column in rows.columns:
            # An outcome that does not name a column leaves the plan's value in it.
            given = np.array(
                [run.outcomes[keys[i]].get(column, _KEEP) for i in where[hit]], dtype=object
            )
            if not (given != _KEEP).any() and column not in missing:
                continue
            current = rows[column].to_numpy(dtype=object, copy=True)
            values = current[sent]
            chosen = values[hit]
            named = given != _KEEP
            chosen[named] = given[named]
            values[hit] = chosen
            if column in missing:
                values[~hit] = missing[column]
            current[sent] = values
            rows[column] = current
    _recheck_settled(run, rows)
    rows.index = plan.rows.index
    url_for = url_builder(run.client) if run.after else lambda name: None
    per_language = [
        images_to_frame(
            (
                (guid, _plain(run.product_names.get(guid)), records)
                for (guid, _, lang), records in sorted(run.after.items())
                if lang == language
            ),
            url_for,
            language=language or None,
        )
        for language in sorted({key[2] for key in run.after}) or [""]
    ]
    images = (
        pd.concat(per_language, ignore_index=True) if len(per_language) > 1 else per_language[0]
    )
    return Result(
        client=plan.client,
        rows=typed(rows, RESULT_COLUMNS),
        images=images,
        errors=errors_to_frame(run.errors),
        plan=plan,
        journal_path=journal_path,
        journal_entries=run.journal.entries,
    )


def _recheck_settled(run: _Run, rows: pd.DataFrame) -> None:
    """Rows the plan found already done: say what is known of them now, not at plan time.

    A gallery this run wrote was seen again (the server answers with it): a photo there that
    no longer has the row's values changed since the plan and is a ``conflict`` (not
    overwritten). Elsewhere the photo was not read again, and the message says so.
    """
    wanted = run.plan.wanted
    settled = np.flatnonzero(
        ((rows["status"] == "unchanged") & (rows["message"] == ALREADY_DONE)).to_numpy()
    )
    if wanted is None or not len(settled):
        return
    rows.loc[settled, "message"] = (
        "nothing sent: the image had these values when the plan compared them (not read again)"
    )
    seen = {
        (guid, gallery, record.get("name"), language): record
        for (guid, gallery, language), records in run.after.items()
        for record in records
    }
    if not seen:
        return
    keys = pd.MultiIndex.from_frame(rows.loc[settled, KEY].fillna({"language": ""}).astype(object))
    where = pd.MultiIndex.from_tuples(list(seen)).get_indexer(keys)
    records = list(seen.values())
    for position, found in zip(settled[where >= 0], where[where >= 0], strict=True):
        record = records[found]
        asked = wanted.iloc[position]
        moved = {
            f: record.get(f)
            for f in EDITABLE_FIELDS
            if not pd.isna(asked[f]) and not _same(record.get(f), asked[f])
        }
        if not moved:
            rows.at[position, "message"] = ALREADY_DONE + " (seen again after this run's write)"
            continue
        what = (
            f"priority {asked['priority']} → {moved['priority']}"
            if "priority" in moved
            else "its caption was edited"
        )
        rows.at[position, "status"] = "conflict"
        rows.at[position, "message"] = (
            f"changed on the server since the plan ({what}); not overwritten: read again and "
            "re-plan"
        )
        rows.at[position, "old_priority"] = record.get("priority")
        rows.at[position, "old_description"] = record.get("description")
        rows.at[position, "new_priority"] = record.get("priority")
        rows.at[position, "new_description"] = record.get("description")


def _revert_frames(entries: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edits that restore each image's first 'before', and a base of its last known 'after'."""
    images: dict[Key, dict[str, Any]] = {}
    for entry in entries:
        if entry.get("event") not in ("intent", "result"):
            continue
        for image in entry.get("images") or []:
            key = (entry["guid"], entry["gallery"], image["name"], entry.get("language") or "")
            slot = images.setdefault(
                key, {"before": None, "after": None, "product_name": entry.get("product_name")}
            )
            if entry["event"] == "intent":
                if slot["before"] is None:
                    slot["before"] = image.get("before") or {}
                if slot["after"] is None:
                    # Sent but never confirmed: we only know what we asked for.
                    slot["after"] = {
                        **(image.get("before") or {}),
                        **image.get("set", {}),
                        "changeTime": None,
                    }
            else:
                slot["after"] = image.get("after")
    edit_rows, base_rows = [], []
    for (guid, gallery, name, language), slot in images.items():
        before, after = slot["before"] or {}, slot["after"] or {}
        description = before.get("description")
        if description is None and after.get("description") is not None:
            description = ""  # Shoptet cannot set a caption back to null
        edit_rows.append(
            {
                "guid": guid,
                "gallery": gallery,
                "name": name,
                "language": language or None,
                "priority": before.get("priority"),
                "description": description,
            }
        )
        base_rows.append(
            {
                "guid": guid,
                "gallery": gallery,
                "name": name,
                "language": language or None,
                "priority": after.get("priority"),
                "description": after.get("description"),
                "change_time": after.get("changeTime"),
                "product_name": slot["product_name"],
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


# -- small value helpers ---------------------------------------------------------------------

_KEEP = object()  # marks "this outcome says nothing about that column"


def _records(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """The plan's targets as dicts of plain Python values (None for every null)."""
    columns = list(targets.columns)
    plain = [[_plain(v) for v in targets[c].tolist()] for c in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*plain, strict=True)]


def _plain(value: Any) -> Any:
    """pandas/numpy scalars → plain Python (None for every null), for JSON and comparisons."""
    if isinstance(value, (str, list, dict)):
        return value
    if value is None or pd.isna(value):  # None, NaN, NaT and pd.NA alike
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return bool(a == b)


def _changed_since(
    record: dict[str, Any], target: dict[str, Any], ours: dict[str, list[Any]] | None = None
) -> str:
    """Why the server's image differs from the plan's base, or '' when it does not.

    ``ours`` is set for a photo the run also writes in another language (the values it sends
    there): its changeTime, priority and an untranslated caption may then have moved by the
    run's own hand, so only a value the run does not send counts as someone else's change.
    """
    base_time = target["change_time"]
    now_time = parse_times([record.get("changeTime")]).iloc[0]
    moved_time = base_time is not None and not pd.isna(now_time) and now_time != base_time
    if moved_time and ours is None:
        return f"changeTime {base_time:%Y-%m-%d %H:%M:%S} → {now_time:%Y-%m-%d %H:%M:%S} UTC"

    def moved(field: str) -> bool:
        now = record.get(field)
        expected = [target[f"old_{field}"], *(ours or {}).get(field, [])]
        return not any(_same(now, value) for value in expected)

    if moved("priority"):
        return f"priority {target['old_priority']} → {record.get('priority')}"
    if moved("description"):
        return "its caption was edited"
    return ""


def _failure_info(exc: APIError | NetworkError) -> dict[str, Any]:
    if isinstance(exc, APIError):
        return {
            "http_status": exc.status,
            "error_code": exc.error_code,
            "message": str(exc),
            "request_id": exc.request_id,
        }
    return {
        "http_status": None,
        "error_code": "network-error",
        "message": str(exc),
        "request_id": None,
    }
