"""Run an add plan: POST each gallery's photos, wait for the jobs, learn the new names, put the
order right, and journal every step.

Three phases, each under the client's limits: (1) every gallery's POSTs (at most 100 photos
each, at most three galleries at a time), (2) one wait on the job list for all the jobs,
(3) per gallery: each job's detail and result file once, one read of the gallery, the
priority changes of the others if any, a read to check the order, captions in other
languages. A row's photo is known by the job's result file where it names it; otherwise by
content: among the photos new in the gallery, the one whose bytes have the row's sha256 (two
such photos: someone else added the same file, a ``conflict``; none: ``failed``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ...errors import ShoptetError
from ..journal import (
    Added,
    AddedPhoto,
    AddIntent,
    AddQueued,
    Confirmed,
    ConfirmedImage,
    ImageState,
    Intent,
    IntentImage,
    Journal,
)
from .jobs import (
    CREATION_MARGIN,
    Claims,
    Outcome,
    images_path,
    list_jobs,
    post_once,
    read_outcome,
    wait_all,
)
from .order import numbers_for, with_names
from .plan import AddPlan
from .rows import AddRow, url_problem
from .sources import new_photo_hashes

_GalleryKey = tuple[str, str]
#: Photos one POST carries at most (Shoptet's limit).
MAX_PER_POST = 100


@dataclass
class _Run:
    plan: AddPlan
    journal: Journal
    stage: Callable[[bytes], str] | None
    claims: Claims
    #: Per gallery, each POST that got a job: (job id, its rows, the journal's ``post`` id).
    chunks: dict[_GalleryKey, list[tuple[str, list[AddRow], str]]] = field(default_factory=dict)


def run_add(
    plan: AddPlan,
    journal: Journal,
    stage: Callable[[bytes], str] | None,
    timeout: float,
    gallery_done: Callable[[], None] = lambda: None,
) -> None:
    """Send the plan's ``would_add`` rows; every one of them ends with a status.
    ``gallery_done()`` is called (in this thread) as each gallery is finished with."""
    client = plan.client
    keys = list(dict.fromkeys(r.gallery_key for r in plan.rows if r.status == "would_add"))
    if not keys:
        return
    started = datetime.now(timezone.utc)
    paths = {images_path(*k) for k in keys}
    # Jobs already there are not ours: only a job new since the plan can answer a lost POST.
    known = {j.job_id for j in list_jobs(client, started - CREATION_MARGIN) if j.endpoint in paths}
    run = _Run(plan, journal, stage, Claims(known, threading.Lock()))
    for key, error in client.map(lambda k: _send(run, k), keys):
        if isinstance(error, BaseException):
            _end_gallery(plan, key, "failed", f"{type(error).__name__}: {error}")
    for key in keys:
        if key not in run.chunks:  # nothing was queued: this gallery is finished with
            gallery_done()
    job_ids = {chunk[0] for chunks in run.chunks.values() for chunk in chunks}
    try:
        seen = wait_all(client, job_ids, started, timeout)
    except ShoptetError as exc:  # the jobs run on: their rows say so, none is lost
        seen = {}
        for row in plan.rows:
            if row.status == "would_add" and row.job_id is not None:
                row.end(
                    "failed",
                    f"sent as job {row.job_id}, but its outcome could not be read ({exc}); run "
                    "the same frame again (photos already there are skipped)",
                )
    for key, error in client.map(lambda k: _settle(run, k, seen), list(run.chunks)):
        if isinstance(error, BaseException):
            _end_gallery(plan, key, "failed", f"{type(error).__name__}: {error}")
        gallery_done()


def _end_gallery(plan: AddPlan, key: _GalleryKey, status: str, message: str) -> None:
    for row in plan.rows:
        if row.gallery_key == key and row.status == "would_add":
            row.end(status, message)


def _label(label: Any) -> Any:
    """An index label as JSON can hold it."""
    if isinstance(label, bool | int | float | str) or label is None:
        return label
    item = getattr(label, "item", None)
    return item() if callable(item) else str(label)


def _send(run: _Run, key: _GalleryKey) -> None:
    """Stage a gallery's local files and POST its photos, chunk by chunk."""
    plan = run.plan
    rows = plan.to_add(key)
    for row in rows:
        if row.path is not None and row.source_url is None:
            try:
                assert run.stage is not None
                assert row.data is not None
                url = run.stage(row.data)
            except Exception as exc:  # the user's stager: any failure is this row's
                row.end("failed", f"stage() failed: {type(exc).__name__}: {exc}")
                continue
            # Checked as a frame's URL is: one bad item would make Shoptet refuse the chunk.
            problem = url_problem(url) if isinstance(url, str) else "it is no text"
            if problem:
                row.end("failed", f"stage() returned {str(url)[:80]!r}, no usable URL: {problem}")
            else:
                row.source_url = url
    rows = [r for r in rows if r.status == "would_add"]
    path = images_path(*key)
    for start in range(0, len(rows), MAX_PER_POST):
        chunk = rows[start : start + MAX_PER_POST]
        items = [_item(row, plan.default_language) for row in chunk]
        post = secrets.token_hex(6)
        with run.claims.lock:
            jobs_before = tuple(sorted(run.claims.known))
        run.journal.write(
            AddIntent(
                *key,
                None,
                photos=tuple(
                    AddedPhoto(_label(r.label), r.sha256 or "", r.source_url) for r in chunk
                ),
                post=post,
                before=tuple(plan.before[key]),
                jobs_before=jobs_before,
            )
        )
        posted = post_once(plan.client, path, items, run.claims)
        if posted.job_id is None:
            for row in chunk:
                row.end(posted.status, posted.message)
            if posted.status == "failed":  # no job: settled, nothing added (a conflict is not)
                run.journal.write(Added(*key, None, job_id=None, post=post))
            continue
        run.journal.write(AddQueued(*key, None, job_id=posted.job_id, post=post))
        for row in chunk:
            row.job_id = posted.job_id
        run.chunks.setdefault(key, []).append((posted.job_id, chunk, post))


def _item(row: AddRow, default_language: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"sourceUrl": row.source_url, "priority": row.planned_priority}
    # A POST's caption goes to the default language; others are a PATCH after the job.
    if row.description is not None and (row.language in (None, default_language)):
        item["description"] = row.description
    return item


def _settle(run: _Run, key: _GalleryKey, seen: dict[str, Any]) -> None:
    """After the jobs: names, order, captions in other languages, journal."""
    plan, client = run.plan, run.plan.client
    after = client.list_images(*key)
    before = plan.before[key]
    new = [i["name"] for i in after if i["name"] not in before]
    claimed: set[str] = set()
    unmatched: list[tuple[AddRow, str]] = []
    settled: list[tuple[str, list[AddRow], str]] = []
    for job_id, rows, post in run.chunks.get(key, []):
        job = seen.get(job_id)
        if job is None or not job.finished:
            status = "unknown" if job is None else job.status
            for row in rows:
                row.end(
                    "failed",
                    f"job {job_id} is still {status}: its photos may land later; run the same "
                    "frame again then (photos already there are skipped)",
                )
            continue
        settled.append((job_id, rows, post))
        outcome = read_outcome(client, job)
        for index, row in enumerate(rows):
            name = outcome.names.get(index)
            if outcome.usable and name is not None and name in new and name not in claimed:
                row.name = name
                claimed.add(name)
                row.end("added")
            elif outcome.usable and index in outcome.errors:
                row.end("failed", f"the shop could not add it: {outcome.errors[index]}")
            else:
                unmatched.append((row, _why(job.status, outcome)))
    if unmatched:
        _match_by_content(client, [n for n in new if n not in claimed], unmatched)
    added: list[AddRow] = []
    for job_id, rows, post in settled:
        # One line per finished job, with no photos when none came: the revert then knows
        # this POST is settled (a job without one is looked for again, see add/orphans.py).
        mine = [r for r in rows if r.name and r.status == "added"]
        added += mine
        run.journal.write(
            Added(
                *key,
                None,
                job_id=job_id,
                post=post,
                photos=tuple(
                    AddedPhoto(_label(r.label), r.sha256 or "", r.source_url, r.name) for r in mine
                ),
            )
        )
    # The photos are in: what follows them is tried, each part on its own, and a part that
    # fails is said on the rows it concerns (they stay ``added``: they are).
    try:
        _put_in_order(run, key, after, added)
    except ShoptetError as exc:
        for row in added:
            if row.slot:
                _note(row, f"not put in its place, the priority change failed ({exc})")
    _captions(run, key, added)


def _note(row: AddRow, what: str) -> None:
    """Add ``what`` to an added row's message."""
    row.message = f"{row.message}; {what}" if row.message else f"added, but {what}"


def _why(status: str, outcome: Outcome) -> str:
    log = f"; Shoptet's log: {outcome.log}" if outcome.log else ""
    return f"the job ended {status} and the photo is not in the gallery{log}"


def _match_by_content(client: Any, candidates: list[str], rows: list[tuple[AddRow, str]]) -> None:
    """Find rows' photos among the gallery's new ones by their bytes (sha256)."""
    hashes, _ = new_photo_hashes(client, candidates)
    for row, why in rows:
        names = hashes.get(row.sha256 or "", [])
        if len(names) == 1:
            row.name = names[0]
            row.end("added")
        elif names:
            row.end(
                "conflict",
                f"{len(names)} new photos in the gallery have this file ({', '.join(names)}): "
                "someone else added it too; not guessing which is ours",
            )
        else:
            row.end("failed", why)


def _put_in_order(
    run: _Run, key: _GalleryKey, after: list[dict[str, Any]], added: list[AddRow]
) -> None:
    """The fewest priority changes that give the gallery the planned order; checked."""
    client = run.plan.client
    placement = run.plan.placements.get(key)
    slotted = {r.slot: r.name for r in added if r.slot and r.name}
    if placement is None or not slotted:
        return
    current = {i["name"]: i.get("priority") for i in after}
    wanted = [n for n in with_names(placement, slotted) if n in current]
    for name in (n for n in current if n not in set(wanted)):
        # Photos the plan did not place (another's, or sent with a priority of the row's
        # own) go where their priority puts them.
        p = current[name]
        at = (
            len(wanted)
            if p is None
            else next(
                (k for k, w in enumerate(wanted) if current[w] is None or current[w] > p),
                len(wanted),
            )
        )
        wanted.insert(at, name)
    # Each new photo is given a number of its own again (order.numbers_for): left as it
    # landed, a tie broken by name could pass for the right order.
    ours = [r.name for r in added if r.slot and r.name]
    planned = numbers_for(current, wanted, ours)
    changes = {n: p for n, p in planned.items() if current.get(n) != p}
    shown = after
    if changes:
        items = [{"name": n, "priority": p} for n, p in changes.items()]
        by_name = {i["name"]: i for i in after}
        run.journal.write(
            Intent(
                *key,
                None,
                images=tuple(
                    IntentImage(n, ImageState.of_record(by_name[n]), {"priority": p})
                    for n, p in changes.items()
                ),
            )
        )
        envelopes = client.update_images(*key, items)
        shown = _answered_gallery(envelopes, after) or client.list_images(*key)
        now = {i["name"]: i for i in shown}
        run.journal.write(
            Confirmed(
                *key,
                None,
                request_id=envelopes[-1].request_id if envelopes else None,
                images=tuple(
                    ConfirmedImage(n, ImageState.of_record(now[n]) if n in now else None)
                    for n in changes
                ),
            )
        )
    order = [i["name"] for i in shown]
    for row in added:
        if row.slot and row.name in order and row.name in wanted:
            place, asked = order.index(row.name) + 1, wanted.index(row.name) + 1
            row.in_order = place == asked
            if not row.in_order:
                row.message = f"added, but at place {place} of the gallery, not {asked}"


def _answered_gallery(envelopes: list[Any], after: list[dict[str, Any]]) -> list[Any] | None:
    """The gallery after the priority PATCH as its answer shows it (the update path confirms by
    it too), saving a read of the gallery (each read costs the bucket a drop per 10 photos).

    Used only when the answer lists every photo the read before showed, in the gallery's order
    (priorities not decreasing, photos without one last); otherwise None: read the gallery.
    """
    data = envelopes[-1].data if envelopes else None
    images = data.get("images") if isinstance(data, dict) else None
    if not isinstance(images, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) for i in images
    ):
        return None
    if not {i["name"] for i in after} <= {i["name"] for i in images}:
        return None
    keys = [(i.get("priority") is None, i.get("priority") or 0) for i in images]
    return images if keys == sorted(keys) else None


def _captions(run: _Run, key: _GalleryKey, added: list[AddRow]) -> None:
    """Captions in a language other than the shop's default: a PATCH per language."""
    default = run.plan.default_language
    by_language: dict[str, list[dict[str, Any]]] = {}
    for row in added:
        if row.language and row.language != default and row.description is not None:
            by_language.setdefault(row.language, []).append(
                {"name": row.name, "description": row.description}
            )
    for language, items in by_language.items():
        try:
            run.plan.client.update_images(*key, items, language=language)
        except ShoptetError as exc:
            for row in added:
                if row.language == language and row.description is not None:
                    _note(row, f"its caption in {language!r} was not set ({exc})")
