"""The insert jobs of an add: POST a chunk once, find its job after a lost answer, wait for many
jobs on the job list, and read an insert job's result file.

A POST of photos is never sent again blindly: if its answer is lost (a dropped connection, a
timeout, a 5xx) or it meets 423 (Shoptet is still processing the same request), the job list is
read for a job of the same endpoint created since just before the POST that nobody has claimed
yet. Only a list that shows no such job (read twice, a moment apart) lets the POST go again.
429 is the one status sent again at once: the limiter refused the request before it ran.

Waiting polls the job *list* (one request for every job of the run: it has no read counter);
each finished job's detail is read once, for its ``resultUrl`` and ``log``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..._times import format_shoptet_time
from ...client import ShoptetClient
from ...errors import APIError, LockedError, NetworkError, RateLimitError, ServerError
from ...jobs import FINISHED, JOBS_PATH, Job, job_detail

#: How far before the POST (by our clock) the job list is searched: clocks differ.
CREATION_MARGIN = timedelta(minutes=15)
#: How far back a plan looks for insert jobs still running on its galleries (Shoptet marks
#: a job that errs as failed 3 hours after creation).
RUNNING_LOOKBACK = timedelta(hours=3)
FIRST_POLL_S = 0.25
POLL_GROWTH = 1.5
MAX_POLL_S = 30.0
_PER_PAGE = 500


def images_path(guid: str, gallery: str) -> str:
    """The endpoint of a gallery's inserts (what a job's ``endpoint`` names)."""
    return f"/api/products/{guid}/images/{gallery}"


def list_jobs(client: ShoptetClient, since: datetime) -> list[Job]:
    """Every job created since ``since`` (all pages)."""
    found: list[Job] = []
    page = 1
    while True:
        params = {
            "creationTimeFrom": format_shoptet_time(since),
            "itemsPerPage": _PER_PAGE,
            "page": page,
        }
        data = client.request("GET", JOBS_PATH, params=params).data or {}
        found += [Job.from_api(item) for item in data.get("jobs") or [] if isinstance(item, dict)]
        if page >= int((data.get("paginator") or {}).get("pageCount") or 1):
            return found
        page += 1


@dataclass
class Claims:
    """Job ids the run knows (there before it, or already its own), shared by its threads."""

    known: set[str]
    lock: threading.Lock

    def claim(self, candidates: Iterable[Job]) -> Job | str | None:
        """The one new job among ``candidates`` (claimed now), None when there is none, or
        ``"ambiguous"`` when there are several (someone else posted to this gallery too)."""
        with self.lock:
            new = [job for job in candidates if job.job_id not in self.known]
            if len(new) > 1:
                return "ambiguous"
            if new:
                self.known.add(new[0].job_id)
                return new[0]
            return None

    def own(self, job_id: str) -> None:
        """Record a job the POST's answer named."""
        with self.lock:
            self.known.add(job_id)


@dataclass
class Posted:
    """What became of one POST: the job, or why there is none (``conflict`` when the job
    cannot be told apart from someone else's)."""

    job_id: str | None
    status: str = "queued"
    message: str | None = None
    request_id: str | None = None


def post_once(
    client: ShoptetClient, path: str, items: list[dict[str, Any]], claims: Claims
) -> Posted:
    """POST one chunk; its job, found in the job list when the answer was lost or locked."""
    body = {"data": {"images": items}}
    for attempt in range(2):
        sent_at = datetime.now(timezone.utc)
        try:
            while True:
                try:
                    envelope = client.request(
                        "POST", path, json_body=body, retry_safe=False, cost=1 + len(items) // 10
                    )
                    break
                except RateLimitError as exc:  # refused before it ran: safe to send again
                    time.sleep(min(exc.retry_after or 1.0, client.settings.retry_after_cap))
        except (LockedError, NetworkError, ServerError) as exc:
            found = _find(client, path, sent_at, claims)
            if isinstance(found, Posted):
                return found
            if attempt == 0 and not isinstance(exc, LockedError):
                continue  # the list shows no job: the POST never ran, so send it (once) again
            return Posted(None, "failed", f"the POST got no answer and no job appeared ({exc})")
        except APIError as exc:
            hint = (
                "; Shoptet runs photo inserts only for a shop with a job:finished webhook: "
                "register one with client.register_job_webhook(url), then run the same frame "
                "again"
                if exc.status == 403
                else ""
            )
            return Posted(None, "failed", f"HTTP {exc.status}: {exc}{hint}", exc.request_id)
        job_id = (envelope.data or {}).get("jobId") if isinstance(envelope.data, dict) else None
        if not isinstance(job_id, str) or not job_id:
            return Posted(None, "failed", "the shop accepted the POST but named no job")
        claims.own(job_id)
        return Posted(job_id, request_id=envelope.request_id)
    raise AssertionError("unreachable")  # pragma: no cover


def _find(client: ShoptetClient, path: str, sent_at: datetime, claims: Claims) -> Posted | None:
    """The POST's job from the job list (looked at twice, a moment apart), or None."""
    for pause in (0.0, 1.0):
        time.sleep(pause)
        jobs = [j for j in list_jobs(client, sent_at - CREATION_MARGIN) if j.endpoint == path]
        found = claims.claim(jobs)
        if found == "ambiguous":
            return Posted(
                None,
                "conflict",
                "the answer was lost and the job list shows several new insert jobs for this "
                "gallery (someone else is adding photos too): not guessing which is ours",
            )
        if isinstance(found, Job):
            return Posted(found.job_id)
    return None


def running_inserts(client: ShoptetClient, paths: set[str]) -> list[Job]:
    """Insert jobs on these endpoints that have not finished (a run cut off after its 202)."""
    since = datetime.now(timezone.utc) - RUNNING_LOOKBACK
    return [j for j in list_jobs(client, since) if j.endpoint in paths and not j.finished]


def wait_all(
    client: ShoptetClient, job_ids: set[str], since: datetime, timeout: float
) -> dict[str, Job]:
    """The jobs as the list shows them once all have finished (or ``timeout`` ran out)."""
    deadline = time.monotonic() + timeout
    pause = FIRST_POLL_S
    seen: dict[str, Job] = {}
    while job_ids:
        seen.update(
            (job.job_id, job)
            for job in list_jobs(client, since - CREATION_MARGIN)
            if job.job_id in job_ids
        )
        if all(j in seen and seen[j].finished for j in job_ids):
            break
        if time.monotonic() + pause > deadline:
            break
        time.sleep(pause)
        pause = min(pause * POLL_GROWTH, MAX_POLL_S)
    return seen


@dataclass
class Outcome:
    """An insert job's per-item outcome from its result file: item index → new name, and item
    index → error message. ``usable`` is False when there was no result to read."""

    names: dict[int, str]
    errors: dict[int, str]
    usable: bool
    log: str | None = None


def read_outcome(client: ShoptetClient, job: Job) -> Outcome:
    """The job's detail (one read) and its result file, if it can be read and understood.

    Shoptet does not document the file, so nothing depends on it: anything unexpected gives
    an unusable Outcome and the caller matches photos by content instead.
    """
    empty = Outcome({}, {}, usable=False, log=job.log)
    if job.status not in FINISHED:
        return empty
    try:
        detail = job_detail(client, job.job_id)
    except APIError:
        return empty
    empty.log = detail.log
    if detail.status != "completed" or not detail.result_url:
        return empty
    try:
        body = json.loads(client.fetch_file(detail.result_url))
    except (APIError, NetworkError, ValueError):
        return empty
    return _parse(body, detail.log) or empty


def _parse(body: Any, log: str | None) -> Outcome | None:
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return None
    names: dict[int, str] = {}
    for item in body["data"].get("images") or []:
        if not isinstance(item, dict):
            return None
        index, name = item.get("index"), item.get("name")
        if not isinstance(index, int) or not isinstance(name, str) or not name:
            return None
        names[index] = name
    errors: dict[int, str] = {}
    for error in body.get("errors") or []:
        instance = str((error or {}).get("instance") or "")
        head, _, rest = instance.partition("[")
        number = rest.partition("]")[0]
        if head.endswith("images") and number.isdigit():
            errors[int(number)] = f"{error.get('errorCode')}: {error.get('message')}"
    return Outcome(names, errors, usable=True, log=log)
