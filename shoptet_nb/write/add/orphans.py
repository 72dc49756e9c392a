"""The photos of an add whose run was cut off after its POST (a kernel killed after the 202),
found again from the journal alone, for a revert.

Such a POST is an :class:`~..journal.AddIntent` with no :class:`~..journal.Added` of the same
``post``. Its job is the :class:`~..journal.AddQueued` of that ``post``; without one (killed
before the answer was journaled), the one insert job on the gallery created since just before
the intent that the run did not know of then (``jobs_before``) and that the journal does not
give to another POST. No such job: the POST never reached the shop, nothing is deleted. Several:
someone else posted to the gallery too, and nothing tells them apart: ``conflict``. A job
found that way is taken as ours only if the photos it added have the rows' files (a colleague's
job while ours never reached the shop would otherwise be deleted); a colleague's upload of the
very same files in that window is the one case nothing can tell apart.

Its photos are the names the job's result file gives per item, where the file can be read:
that is what tells a colleague's upload of the same file apart (it is in another job's file).
Otherwise by content: the gallery's photos that were not there before the POST (``before``)
whose original has the row's sha256. One per row is the row's photo; more than the rows of that
file is a colleague's identical upload that nothing tells apart from ours: ``conflict``, none
deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ...client import ShoptetClient
from ...errors import ShoptetError
from ...jobs import Job
from ..journal import Added, AddedPhoto, AddIntent, AddQueued, Entry
from .jobs import CREATION_MARGIN, images_path, list_jobs, read_outcome, wait_all
from .sources import new_photo_hashes

#: Longest wait for a cut-off run's job to finish before its rows say to revert again later.
JOB_WAIT_S = 120.0


@dataclass
class Found:
    """One photo of a cut-off POST: its name when found (``status`` None: delete it), else
    the row's status and why."""

    guid: str
    gallery: str
    photo: AddedPhoto
    job_id: str | None
    name: str | None = None
    status: str | None = None
    message: str | None = None
    #: The job id was not journaled but taken from the job list (the one new job).
    guessed: bool = False

    def end(self, status: str, message: str) -> None:
        self.status, self.message = status, message


def unsettled(entries: list[Entry]) -> list[AddIntent]:
    """The POSTs the journal announces but never settles (no ``Added`` of their ``post``).
    A journal older than ``post`` ids has too little to look for a job with: its POSTs count
    as settled, and only its ``Added`` photos are deleted, as before."""
    posts = {e.post for e in entries if isinstance(e, Added) and e.post}
    return [e for e in entries if isinstance(e, AddIntent) and e.post and e.post not in posts]


def find_orphans(
    client: ShoptetClient, entries: list[Entry], *, timeout: float = JOB_WAIT_S
) -> list[Found]:
    """A :class:`Found` per photo of every unsettled POST of ``entries`` (see the module)."""
    intents = unsettled(entries)
    if not intents:
        return []
    queued = {e.post: e.job_id for e in entries if isinstance(e, AddQueued) and e.post}
    claimed = {e.job_id for e in entries if isinstance(e, AddQueued | Added) and e.job_id}
    since = min(_when(e) for e in intents) - CREATION_MARGIN
    # The job list only where a POST's job id was never journaled.
    listed = list_jobs(client, since) if any(e.post not in queued for e in intents) else []
    groups: list[tuple[AddIntent, list[Found]]] = []
    for intent in intents:
        photos = [Found(intent.guid, intent.gallery, p, None) for p in intent.photos]
        groups.append((intent, photos))
        job_id = queued.get(intent.post or "")
        guessed = job_id is None
        if job_id is None:
            job_id = _only_new_job(intent, listed, claimed, photos)
        for f in photos:
            f.job_id, f.guessed = job_id, guessed
    waiting = {f.job_id for _, photos in groups for f in photos if f.job_id and not f.status}
    seen = wait_all(client, waiting, since + CREATION_MARGIN, timeout) if waiting else {}
    for intent, photos in groups:
        if photos and photos[0].job_id and not photos[0].status:
            _settle(client, intent, photos, seen)
    return [f for _, photos in groups for f in photos]


def _only_new_job(
    intent: AddIntent, listed: list[Job], claimed: set[str], photos: list[Found]
) -> str | None:
    """The POST's job when the journal has not its id: the one new insert job on the gallery
    (None, with the photos' rows ended, when there is none or several)."""
    path = images_path(intent.guid, intent.gallery)
    new = [
        j.job_id
        for j in listed
        if j.endpoint == path and j.job_id not in intent.jobs_before and j.job_id not in claimed
    ]
    if len(new) == 1:
        return new[0]
    for f in photos:
        if not new:
            f.end("not_found", "no insert job appeared: the POST never reached the shop")
        else:
            f.end(
                "conflict",
                "the run was cut off before its job id was journaled, and several new insert "
                f"jobs ran on this gallery ({', '.join(new)}): not guessing which is ours; "
                "nothing deleted",
            )
    return None


def _when(intent: AddIntent) -> datetime:
    try:
        return datetime.fromisoformat(str(intent.time))
    except ValueError:
        return datetime.now(timezone.utc)


def _settle(
    client: ShoptetClient, intent: AddIntent, photos: list[Found], seen: dict[str, Job]
) -> None:
    """Name each photo of one POST from its job's result file, else by content."""
    job_id = photos[0].job_id
    assert job_id is not None
    job = seen.get(job_id)
    if job is None or not job.finished:
        status = "not listed" if job is None else job.status
        for f in photos:
            f.end("failed", f"job {job_id} is still {status}: revert again once it has finished")
        return
    try:
        now = {i["name"] for i in client.list_images(intent.guid, intent.gallery)}
    except ShoptetError as exc:
        for f in photos:
            f.end("failed", f"could not read the gallery: {exc}")
        return
    new = sorted(now - set(intent.before))
    outcome = read_outcome(client, job)
    if outcome.usable:
        for index, f in enumerate(photos):
            name = outcome.names.get(index)
            if name is None:
                why = outcome.errors.get(index, "the job's result does not list it")
                f.end("not_found", f"job {job_id} did not add it ({why})")
            elif name not in now:
                f.end("not_found", f"job {job_id} added it as {name}, which is gone")
            else:
                f.name = name
        if photos[0].guessed:
            _unless_others_files(client, photos, job_id)
        return
    _by_content(client, photos, new)


def _unless_others_files(client: ShoptetClient, photos: list[Found], job_id: str) -> None:
    """A job taken from the list, not the journal, is ours only if the photos it added have
    our rows' files: the one new job on the gallery may be a colleague's while our POST never
    reached the shop. Any other file: not ours, nothing deleted."""
    named = [f for f in photos if f.name is not None]
    hashes, unread = new_photo_hashes(client, [f.name for f in named if f.name])
    by_name = {n: h for h, names in hashes.items() for n in names}
    if unread:
        for f in photos:
            f.name = None
            f.end(
                "failed",
                f"could not read {', '.join(unread[:3])} to check that job {job_id} is this "
                "run's: revert again later; nothing deleted",
            )
    elif any(by_name.get(f.name or "") != f.photo.sha256 for f in named):
        for f in photos:
            f.name = None
            f.end(
                "not_found",
                f"the only new insert job on this gallery ({job_id}) added other files than "
                "this run's: it is someone else's, and this run's POST never reached the shop; "
                "nothing deleted",
            )


def _by_content(client: ShoptetClient, photos: list[Found], new: list[str]) -> None:
    """Name photos by their bytes among the gallery's new ones, where that is unambiguous."""
    hashes, unread = new_photo_hashes(client, new)
    wanted: dict[str, int] = {}
    for f in photos:
        wanted[f.photo.sha256] = wanted.get(f.photo.sha256, 0) + 1
    taken: dict[str, int] = {}
    for f in photos:
        names = hashes.get(f.photo.sha256, [])
        if len(names) == wanted[f.photo.sha256]:
            f.name = names[taken.get(f.photo.sha256, 0)]
            taken[f.photo.sha256] = taken.get(f.photo.sha256, 0) + 1
        elif len(names) > wanted[f.photo.sha256]:
            f.end(
                "conflict",
                f"{len(names)} photos new since the add have this file ({', '.join(names)}): "
                "someone else added it too, and the job's result cannot be read to tell which "
                "is ours; nothing deleted",
            )
        elif unread:
            f.end("failed", f"could not read the original of {', '.join(unread[:3])} to compare")
        else:
            f.end(
                "not_found", "no photo new since the add has this file: it never came, or is gone"
            )


def found_rows(found: list[Found]) -> list[dict[str, Any]]:
    """The revert rows of the photos not found (those found are deleted and get theirs)."""
    return [
        {
            "guid": f.guid,
            "gallery": f.gallery,
            "name": f.name,
            "status": f.status,
            "message": f.message,
            "job_id": f.job_id,
            "sha256": f.photo.sha256,
        }
        for f in found
        if f.status is not None
    ]
