"""Shoptet's asynchronous jobs and the product snapshot: the HTTP side, used by ShoptetClient.

A whole-catalogue read is one job: ``GET /api/products/snapshot`` queues it (202 + ``jobId``),
the job list says when it ends, the job detail (read once, at the end) gives ``resultUrl``, and
that file is gzip-compressed JSON Lines, one product a line. Shoptet answers 403 to an eleventh
detail request of an unfinished job, so waiting polls the job *list*, which has no such counter,
with growing intervals; every poll is an ordinary request (paced, retried on 429/5xx).

The result file lives on the shop's own domain and is a one-off link: it is downloaded without
the token and decompressed and split into lines as it arrives, so a catalogue of any size
never sits in memory whole. A file that ends early or does not decompress raises
:class:`~shoptet_nb.errors.JobResultError`: a short read is never passed off as a whole one.

The functions take the HTTP client (:class:`~shoptet_nb.api_client.ApiClient`) as their first
argument: this module is a layer above it, and the client never imports it. Use them through
the methods of :class:`~shoptet_nb.client.ShoptetClient` (``client.start_snapshot``,
``client.wait_for_job``, ``client.job``, ``client.snapshot_lines``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ._times import format_shoptet_time
from .errors import (
    APIError,
    ArgumentError,
    AuthenticationError,
    JobError,
    JobFailedError,
    JobResultError,
    JobTimeoutError,
    NotFoundError,
)

if TYPE_CHECKING:
    from .api_client import ApiClient

#: Job statuses after which nothing changes any more.
FINISHED = frozenset({"completed", "failed", "expired", "killed"})
#: Shoptet answers 403 after this many detail requests of an unfinished job.
DETAIL_REQUEST_LIMIT = 10
#: The 403 errorCode of a detail read over that limit.
DETAIL_LIMIT_CODE = "job-detail-try-counter-exceeded-limit"
#: First pause between two polls of the job list; each next pause is longer by POLL_GROWTH.
FIRST_POLL_S = 1.0
POLL_GROWTH = 1.5
#: Longest pause between two polls: a long job costs about two requests a minute.
MAX_POLL_S = 30.0
#: Default wait for a job, seconds. A whole-catalogue snapshot of a big shop takes minutes.
DEFAULT_TIMEOUT_S = 1800.0
#: Products the snapshot's productGuids filter takes (Shoptet's limit).
MAX_GUIDS_PER_SNAPSHOT = 50
SNAPSHOT_PATH = "/api/products/snapshot"
JOBS_PATH = "/api/system/jobs"

# Detail requests one wait may spend: the final read, plus looking a job up directly when the
# list does not show it. One stays spare for a resume's first look (job_id=...).
_DETAILS_PER_WAIT = DETAIL_REQUEST_LIMIT - 2
# Detail reads one wait spends on an unfinished job the list does not show (e.g. older than
# the list's window): each costs one of the job's 10, which waits resumed later still need.
_UNLISTED_DETAILS = 2
# List polls in a row without the job before its detail is read: a single miss is a lag; the
# second read waits twice as long as the first.
_MISSES_BEFORE_DETAIL = (2, 4)
# The job list is filtered on creation time; the margin covers a clock that runs differently
# from Shoptet's.
_CREATION_MARGIN = timedelta(minutes=15)
_JOBS_PER_PAGE = 500  # the largest page the job list gives
_SHOPTET_TIME = "%Y-%m-%dT%H:%M:%S%z"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Job:
    """One asynchronous job as Shoptet reports it (``status`` is one of ``pending``,
    ``running``, ``completed``, ``failed``, ``expired``, ``killed``).

    >>> job = client.start_snapshot()                 # doctest: +SKIP
    >>> client.wait_for_job(job).status               # doctest: +SKIP
    'completed'
    """

    job_id: str
    status: str
    endpoint: str | None = None
    creation_time: str | None = None
    completion_time: str | None = None
    valid_until: str | None = None
    result_url: str | None = None
    log: str | None = None
    language: str | None = None

    @property
    def finished(self) -> bool:
        """True once the job cannot change any more (completed or not)."""
        return self.status in FINISHED

    @classmethod
    def from_api(cls, record: Any) -> Job:
        """A job from an item of the job list or the ``job`` of a job detail."""
        if not isinstance(record, dict) or not isinstance(record.get("jobId"), str):
            raise APIError("the job record has no jobId", status=200)

        def text(key: str) -> str | None:
            value = record.get(key)
            return value if isinstance(value, str) else None

        return cls(
            job_id=record["jobId"],
            status=text("status") or "unknown",
            endpoint=text("endpoint"),
            creation_time=text("creationTime"),
            completion_time=text("completionTime"),
            valid_until=text("validUntil"),
            result_url=text("resultUrl"),
            log=text("log"),
            language=text("language"),
        )

    def __repr__(self) -> str:
        # The result URL is a one-off download link to the whole catalogue: not for logs.
        url = "<set>" if self.result_url else None
        return (
            f"Job(job_id={self.job_id!r}, status={self.status!r}, endpoint={self.endpoint!r}, "
            f"valid_until={self.valid_until!r}, result_url={url})"
        )


def snapshot_params(
    *,
    include: Sequence[str] = ("images",),
    product_guids: Sequence[str] | None = None,
    change_time_from: datetime | str | None = None,
    language: str | None = None,
    filters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The query of a product snapshot; bad combinations raise before anything is sent."""
    params: dict[str, Any] = {"include": ",".join(include) or None, "language": language}
    for key, value in (filters or {}).items():
        params[key] = format_shoptet_time(value) if isinstance(value, datetime) else value
    if change_time_from is not None:
        params["changeTimeFrom"] = format_shoptet_time(change_time_from)
    if product_guids is not None:
        guids = list(dict.fromkeys(product_guids))
        if not guids or len(guids) > MAX_GUIDS_PER_SNAPSHOT:
            raise ArgumentError(
                f"a snapshot filters on 1 to {MAX_GUIDS_PER_SNAPSHOT} product guids, got "
                f"{len(guids)}: read the whole shop and filter the frame instead"
            )
        if params.get("productCodes"):
            raise ArgumentError("a snapshot takes productGuids or productCodes, not both")
        params["productGuids"] = ",".join(guids)
    return params


def start_snapshot(client: ApiClient, params: dict[str, Any]) -> Job:
    """Queue a product snapshot; the job as just created (``pending``)."""
    envelope = client.request("GET", SNAPSHOT_PATH, params=params)
    job_id = (envelope.data or {}).get("jobId") if isinstance(envelope.data, dict) else None
    if not isinstance(job_id, str) or not job_id:
        raise APIError(
            "the snapshot was accepted but the answer names no jobId",
            status=envelope.status,
            request_id=envelope.request_id,
            method="GET",
            path=SNAPSHOT_PATH,
        )
    created = datetime.now(timezone.utc).strftime(_SHOPTET_TIME)
    return Job(job_id, "pending", endpoint=SNAPSHOT_PATH, creation_time=created)


def job_detail(client: ApiClient, job_id: str) -> Job:
    """The job's detail (counts towards Shoptet's 10 detail requests of an unfinished job)."""
    try:
        envelope = client.request("GET", f"{JOBS_PATH}/{quote(job_id, safe='')}")
    except NotFoundError as exc:
        raise JobResultError(
            f"job {job_id} is unknown to the shop (a wrong id, or a job long gone): start a new "
            "read, e.g. shoptet_nb.read_images(client)",
            job_id=job_id,
        ) from exc
    except AuthenticationError as exc:
        if exc.error_code != DETAIL_LIMIT_CODE:
            raise
        raise JobError(
            f"job {job_id} is not finished yet and Shoptet allows only {DETAIL_REQUEST_LIMIT} "
            "reads of an unfinished job's detail: wait for the job to finish, then read it with "
            f"shoptet_nb.read_images(client, job_id={job_id!r})",
            job_id=job_id,
        ) from exc
    return Job.from_api((envelope.data or {}).get("job"))


def resume_job(client: ApiClient, job_id: str) -> Job:
    """A job to go on waiting for, by its id: as the job list shows it, where it does.

    The list costs none of the 10 detail reads Shoptet allows an unfinished job, so resuming
    as often as one likes never runs them out; :func:`wait_for_job` reads the detail once the
    job has finished. A finished job, or one the list does not show, is read by its detail
    (its log and result address are only there; a finished job's reads are not limited).
    """
    listed = find_in_list(client, job_id, None)
    if listed is not None and not listed.finished:
        return listed
    return job_detail(client, job_id)


def find_in_list(client: ApiClient, job_id: str, since: str | None) -> Job | None:
    """The job as the job list shows it (all pages from ``since``), or None if not there."""
    page = 1
    while True:
        params = {"creationTimeFrom": since, "itemsPerPage": _JOBS_PER_PAGE, "page": page}
        data = client.request("GET", JOBS_PATH, params=params).data or {}
        for item in data.get("jobs") or []:
            if isinstance(item, dict) and item.get("jobId") == job_id:
                return Job.from_api(item)
        page_count = int((data.get("paginator") or {}).get("pageCount") or 1)
        if page >= page_count:
            return None
        page += 1


def wait_for_job(
    client: ApiClient,
    job: Job,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    on_status: Callable[[str], None] | None = None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Job:
    """Wait until the job ends; its detail (with ``resultUrl``) once it has completed.

    Polls the job list with pauses of 1 s, 1.5 s, 2.25 s … (at most 30 s). The detail is read
    once the list shows the job finished (for its ``resultUrl``), and when the list cannot
    show it (two polls in a row without it, e.g. a job older than the list's window) at most
    twice per wait: Shoptet allows 10 detail reads of an unfinished job. Raises
    :class:`JobFailedError` for a job that ended ``failed``, ``killed`` or ``expired`` and
    :class:`JobTimeoutError` when ``timeout`` runs out first.
    """
    deadline = clock() + timeout
    since = _list_filter_from(job.creation_time)
    interval = FIRST_POLL_S
    # A detail already read (a resume) is not read again; a list entry has no resultUrl.
    known = job.result_url is not None or (job.finished and job.status != "completed")
    status, detail, details, misses, unlisted = job.status, job if known else None, 0, 0, 0
    if on_status is not None:
        on_status(status)
    while True:
        if status in FINISHED:
            if detail is None or detail.status != status:
                if details >= _DETAILS_PER_WAIT:
                    break
                detail, details = job_detail(client, job.job_id), details + 1
                status = detail.status
            if status in FINISHED:
                return check_finished(detail)
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(interval, remaining))
        interval = min(interval * POLL_GROWTH, MAX_POLL_S)
        listed = find_in_list(client, job.job_id, since)
        if listed is not None:
            misses = 0
        else:
            misses += 1
            if (
                unlisted < _UNLISTED_DETAILS
                and misses >= _MISSES_BEFORE_DETAIL[unlisted]
                and details < _DETAILS_PER_WAIT - 1
            ):
                listed = detail = job_detail(client, job.job_id)
                details, unlisted, misses = details + 1, unlisted + 1, 0
        if listed is not None and listed.status != status:
            status = listed.status
            if on_status is not None:
                on_status(status)
    raise JobTimeoutError(
        f"snapshot job {job.job_id} is still {status} after {timeout:g} s; it goes on at "
        f"Shoptet: read it later with shoptet_nb.read_images(client, job_id={job.job_id!r}) "
        "(or wait longer with timeout=...)",
        job_id=job.job_id,
        status=status,
    )


def check_finished(job: Job) -> Job:
    """The job if its result can be downloaded now; else the error that says what to do."""
    if job.status != "completed":
        log = (job.log or "").strip()
        shown = log if len(log) <= 500 else log[:500] + " …"
        raise JobFailedError(
            f"snapshot job {job.job_id} ended {job.status!r}; Shoptet's log: "
            f"{shown or '(empty)'}; start a new read, e.g. shoptet_nb.read_images(client)",
            job_id=job.job_id,
            status=job.status,
            log=job.log,
        )
    if not job.result_url:
        raise JobResultError(
            f"snapshot job {job.job_id} completed without a result file; start a new read",
            job_id=job.job_id,
            status=job.status,
            log=job.log,
        )
    valid_until = _parse_time(job.valid_until)
    if valid_until is not None and valid_until <= datetime.now(timezone.utc):
        raise JobResultError(
            f"the result of snapshot job {job.job_id} was valid until {job.valid_until} and is "
            "gone; start a new read, e.g. shoptet_nb.read_images(client)",
            job_id=job.job_id,
            status=job.status,
            log=job.log,
        )
    return job


def result_lines(client: ApiClient, job: Job) -> Iterator[bytes]:
    """The lines of a completed job's result file, downloaded and decompressed as they come."""
    check_finished(job)
    assert job.result_url is not None
    try:
        yield from gunzip_lines(client.stream_file(job.result_url), job.job_id)
    except APIError as exc:
        if exc.status in (403, 404, 410):
            raise JobResultError(
                f"the result file of snapshot job {job.job_id} is gone (HTTP {exc.status}); "
                "start a new read, e.g. shoptet_nb.read_images(client)",
                job_id=job.job_id,
                status=job.status,
            ) from exc
        raise


def gunzip_lines(chunks: Iterable[bytes], job_id: str) -> Iterator[bytes]:
    """Non-empty lines of gzip-compressed bytes, without the line ends.

    Several gzip members one after another are one stream (as ``gzip`` reads them). A stream
    that stops inside a member, or bytes that are not gzip, raise :class:`JobResultError`.
    """
    decompressor = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer, CRC checked
    member_open = False  # bytes of a member were fed and its trailer has not come yet
    seen_any = False
    rest = b""
    for chunk in chunks:
        if not seen_any and chunk:
            seen_any = True
            if not chunk.startswith(_GZIP_MAGIC[: len(chunk)]):
                raise _corrupt(job_id, "it is not gzip-compressed")
        while chunk:
            member_open = True
            try:
                data = decompressor.decompress(chunk)
            except zlib.error as exc:
                raise _corrupt(job_id, f"it does not decompress ({exc})") from exc
            if decompressor.eof:
                chunk = decompressor.unused_data
                decompressor = zlib.decompressobj(wbits=31)
                member_open = False
            else:
                chunk = b""
            if data:
                lines = (rest + data).split(b"\n")
                rest = lines.pop()
                yield from (line for line in lines if line.strip())
    if member_open or not seen_any:
        raise _corrupt(job_id, "it ends before its gzip trailer (truncated)")
    if rest.strip():
        yield rest


def register_job_webhook(client: ApiClient, url: str) -> dict[str, Any]:
    """Register ``url`` for the ``job:finished`` event; the webhook as Shoptet created it."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 2000:
        raise ArgumentError(
            f"the webhook URL must be an http(s) address of at most 2000 characters, got "
            f"{url[:80]!r}"
        )
    body = {"data": [{"event": "job:finished", "url": url}]}
    data = client.request("POST", "/api/webhooks", json_body=body).data or {}
    return dict((data.get("webhooks") or [{}])[0])


def _corrupt(job_id: str, why: str) -> JobResultError:
    return JobResultError(
        f"the result file of snapshot job {job_id} is unusable: {why}; nothing was read. Try "
        f"again with shoptet_nb.read_images(client, job_id={job_id!r}) while the file is "
        "valid, or start a new read",
        job_id=job_id,
        status="completed",
    )


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    for shape in (_SHOPTET_TIME, "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, shape)
        except ValueError:
            continue
    return None


def _list_filter_from(creation_time: str | None) -> str | None:
    created = _parse_time(creation_time)
    if created is None:
        return None
    return (created - _CREATION_MARGIN).strftime(_SHOPTET_TIME)
