"""Asynchronous jobs: the product snapshot, the job list and detail, and the result file.

``GET /api/products/snapshot`` queues a job (202 ``data.jobId``) when a ``job:finished`` webhook
is registered (else 403, nothing queued). The job is ``pending`` for the first fifth of
``snapshot_job_s`` on the shop's clock, ``running`` until it ends, then ``completed`` (or
``failed``/``killed``) and ``expired`` after ``validUntil``. The product set is chosen when the
job is queued, and a background thread writes the file (gzip JSON Lines, one product detail per
line) from then on, as a real job would; a download waits for it, and it is dropped when it
expires. Detail requests of an unfinished job are counted: the 11th
gets 403 ``job-detail-try-counter-exceeded-limit``. The job list has no such counter.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import clock
from .catalogue import ProductRecord, category_guid, supplier_guid
from .exchange import (
    ApiError,
    Call,
    Result,
    error_item,
    filter_by_times,
    includes,
    int_param,
    paginator,
)
from .faults import draw_job
from .products import PRODUCT_TIME_BOUNDS, id_list, product_detail
from .results import RESULTS_PATH, files_base, gzip_json_lines, truncate
from .webhooks import require_job_webhook

if TYPE_CHECKING:
    from .app import SandboxApp

SNAPSHOT_ENDPOINT = "/api/products/snapshot"
STATUSES = ("pending", "running", "completed", "failed", "expired", "killed")
#: Detail requests an unfinished job answers; the next one gets 403.
MAX_DETAIL_READS = 10
#: Include sections that need a module the sandbox shop does not have (→ 403 missing-module).
_MODULE_SECTIONS = {"consumptionTax": "Consumption tax", "perStockAmounts": "stock"}
_PENDING_SHARE = 0.2
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(seed: str, length: int) -> str:
    number = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, 36)
        out.append(_ALPHABET[digit])
    return "".join(out)


@dataclass
class Job:
    """One queued job. Times are epoch seconds on the shop's clock."""

    job_id: str
    file_name: str
    endpoint: str
    created: float
    run_s: float
    valid_s: float
    language: str | None
    api_base: str
    guids: tuple[str, ...]
    with_images: bool
    fault: str | None
    detail_reads: int = 0
    killed_at: float | None = None
    packed: bytes | None = None
    written: threading.Event = field(default_factory=threading.Event)
    #: A job with an effect (an image insert): run once when it completes, returns the result
    #: file and the log line (see ``Jobs.settle``).
    on_finish: Callable[[], tuple[bytes, str]] | None = None
    summary: str | None = None

    def status(self, now: float) -> str:
        """The status at ``now``."""
        if self.killed_at is not None:
            return "killed"
        if now < self.created + self.run_s * _PENDING_SHARE:
            return "pending"
        if now < self.finished_at:
            return "running"
        if self.fault == "job_failed":
            return "failed"
        return "expired" if now >= self.finished_at + self.valid_s else "completed"

    @property
    def finished_at(self) -> float:
        """When the job ends (or ended) on its own."""
        return self.created + self.run_s

    def completion(self, now: float) -> float | None:
        """When it finished, or None while it runs."""
        if self.killed_at is not None:
            return self.killed_at
        return self.finished_at if now >= self.finished_at else None

    def valid_until(self, now: float) -> float | None:
        """Until when its result is downloadable (completed and expired jobs only)."""
        if self.status(now) in ("completed", "expired"):
            return self.finished_at + self.valid_s
        return None

    def log(self, now: float) -> str | None:
        """What the job reported."""
        status = self.status(now)
        if status == "failed":
            inserts = self.file_name.endswith(".json")  # an image insert's result is JSON
            what = "the image insert" if inserts else "the product export"
            again = "Send the images again." if inserts else "Start a new snapshot."
            return (
                f'Job "{self.job_id}" failed: {what} stopped with an internal error '
                f"(injected by the sandbox). {again}"
            )
        if status == "killed":
            return f'Job "{self.job_id}" was killed by the shop before it finished.'
        if status in ("completed", "expired"):
            return self.summary or f"Exported {len(self.guids)} products."
        return None


class Jobs:
    """The shop's job queue (thread-safe)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._by_file: dict[str, Job] = {}
        self._numbers = itertools.count(1)

    def add(self, call: Call, guids: tuple[str, ...], with_images: bool) -> Job:
        """Queue a snapshot job over ``guids``."""
        return self.queue(call, SNAPSHOT_ENDPOINT, call.options.snapshot_job_s, guids, with_images)

    def queue(
        self,
        call: Call,
        endpoint: str,
        run_s: float,
        guids: tuple[str, ...] = (),
        with_images: bool = False,
        on_finish: Callable[[], tuple[bytes, str]] | None = None,
    ) -> Job:
        """Queue a job of ``endpoint`` running ``run_s`` seconds; with ``on_finish`` (an
        effect and its JSON result file) else a snapshot's gzip JSON Lines."""
        options = call.options
        with self._lock:
            n = next(self._numbers)
            job_id = _base36(f"job/{self._seed}/{n}", 7)
            job = Job(
                job_id=job_id,
                file_name=f"{job_id}-{_base36(f'result/{self._seed}/{n}', 7)}"
                + (".json" if on_finish else ".jsonl.gz"),
                endpoint=endpoint,
                created=call.app.clock.time(),
                run_s=run_s,
                valid_s=options.job_result_valid_s,
                language=call.language if len(options.languages) > 1 else None,
                api_base=call.request.base,
                guids=guids,
                with_images=with_images,
                fault=draw_job(options, n),
                on_finish=on_finish,
            )
            self._jobs[job_id] = job
            self._by_file[job.file_name] = job
        if job.fault is not None:
            call.app.stats.fault(job.fault)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def by_file(self, file_name: str) -> Job | None:
        """The job whose result file has this name, or None."""
        with self._lock:
            return self._by_file.get(file_name)

    def all(self) -> list[Job]:
        """Every job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def count_detail_read(self, job: Job) -> int:
        """Count one detail request of an unfinished job; returns the count so far."""
        with self._lock:
            job.detail_reads += 1
            return job.detail_reads

    def settle(self, now: float) -> None:
        """Run the effect of every job with one that has completed by ``now`` (once each):
        the shop changes when the job ends, not when it is queued or first looked at."""
        with self._lock:
            due = [
                job
                for job in self._jobs.values()
                if job.on_finish is not None
                and not job.written.is_set()
                and (job.killed_at is not None or now >= job.finished_at)
            ]
            for job in due:
                effect, job.on_finish = job.on_finish, None
                if job.status(now) in ("completed", "expired") and effect is not None:
                    packed, job.summary = effect()
                    job.packed = truncate(packed) if job.fault == "truncated_result" else packed
                job.written.set()

    def kill(self, job_id: str, now: float) -> bool:
        """Kill an unfinished job (as the shop's operator may); False when already finished."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.killed_at is not None or now >= job.finished_at:
                return False
            job.killed_at = now
            return True


# --- the snapshot request -------------------------------------------------------------------


def start_snapshot(call: Call) -> Result:
    """``GET /api/products/snapshot``: queue a job over the filtered products (202)."""
    require_job_webhook(call)
    sections = includes(call.request)
    for section, module in _MODULE_SECTIONS.items():
        if section in sections:
            raise ApiError(
                403,
                "missing-module",
                f'Unable to process request with {section} include as "{module}" module is '
                "not active.",
                section,
            )
    products = _select(call)
    job = call.app.jobs.add(call, tuple(p.guid for p in products), "images" in sections)
    if job.fault == "job_failed":
        job.written.set()  # a failed job leaves no file
    else:
        threading.Thread(
            target=_write_result,
            args=(call.app, job),
            name=f"sandbox-snapshot-{job.job_id}",
            daemon=True,
        ).start()
    return Result(202, {"jobId": job.job_id})


def _select(call: Call) -> list[ProductRecord]:
    store = call.app.store
    guids, guid_problem = id_list(call, "productGuids")
    codes, code_problem = id_list(call, "productCodes")
    problems = [p for p in (code_problem, guid_problem) if p is not None]
    if call.param("productGuids") is not None and call.param("productCodes") is not None:
        problems.append(
            error_item(
                "invalid-parameter",
                'Invalid "productCodes" parameter. You can use "productCodes" or '
                '"productGuids", but not both.',
                "productCodes",
            )
        )
    if problems:
        raise _ManyErrors(400, problems)
    products = list(store.all_products())
    # As documented: with productGuids or productCodes no other filter applies.
    if guids is not None:
        chosen = set(guids)
        return [p for p in products if p.guid in chosen]
    if codes is not None:
        owners = {id(p) for p in map(store.product_by_code, codes) if p is not None}
        return [p for p in products if id(p) in owners]
    seed = store.seed
    checks: list[tuple[str, Any]] = [
        ("visibility", lambda p: p.visibility),
        ("type", lambda p: "product"),
        ("brandCode", lambda p: p.brand[0] if p.brand else None),
        ("brandName", lambda p: p.brand[1] if p.brand else None),
        ("defaultCategoryGuid", lambda p: category_guid(seed, p.category)),
        ("categoryGuid", lambda p: category_guid(seed, p.category)),
        ("supplierGuid", lambda p: supplier_guid(seed, p.supplier) if p.supplier else None),
        # The sandbox's products carry no flags or availabilities: such filters match none.
        ("flag", lambda p: None),
    ]
    for name, value_of in checks:
        wanted = call.param(name)
        if wanted:
            products = [p for p in products if value_of(p) == wanted]
    for name in ("availabilityId", "availabilityWhenSoldOutId"):
        if call.param(name) is not None:
            int_param(call.request, name, 0, -1_000_000, 1_000_000)
            products = []
    return filter_by_times(call.request, products, PRODUCT_TIME_BOUNDS)


class _ManyErrors(ApiError):
    """An error answer listing several problems at once (as Shoptet's 400 example does)."""

    def __init__(self, status: int, errors: list[dict[str, str]]) -> None:
        super().__init__(status, errors[0]["errorCode"], errors[0]["message"], "")
        self.errors = errors


# --- job list and detail --------------------------------------------------------------------


def _times(job: Job, now: float) -> dict[str, Any]:
    record: dict[str, Any] = {
        "jobId": job.job_id,
        "endpoint": job.endpoint,
        "creationTime": clock.format_seconds(job.created),
        "completionTime": clock.format_seconds(job.completion(now)),
        "status": job.status(now),
        "validUntil": clock.format_seconds(job.valid_until(now)),
    }
    if job.language is not None:
        record["language"] = job.language
    return record


def list_jobs(call: Call) -> Result:
    """``GET /api/system/jobs``: filter by ``status`` and creation/completion times; no
    detail counter."""
    request = call.request
    page = int_param(request, "page", 1, 1, 1_000_000)
    per_page = int_param(request, "itemsPerPage", 100, 1, 500)
    now = call.app.clock.time()
    jobs = call.app.jobs.all()
    status = call.param("status")
    if status is not None:
        if status not in STATUSES:
            raise ApiError(
                400,
                "invalid-parameter",
                f'Invalid "status" parameter "{status}". Expected one of: {", ".join(STATUSES)}.',
                "status",
            )
        jobs = [job for job in jobs if job.status(now) == status]
    jobs = filter_by_times(
        request,
        jobs,
        (
            ("creationTimeFrom", lambda j: int(j.created), True),
            ("creationTimeTo", lambda j: int(j.created), False),
            ("completionTimeFrom", lambda j: _whole(j.completion(now)), True),
            ("completionTimeTo", lambda j: _whole(j.completion(now)), False),
        ),
    )
    chunk = jobs[(page - 1) * per_page : page * per_page]
    items = [_times(job, now) for job in chunk]
    return Result(
        200, {"jobs": items, "paginator": paginator(len(jobs), page, per_page, len(items))}
    )


def _whole(epoch: float | None) -> int | None:
    return None if epoch is None else int(epoch)


def job_detail(call: Call) -> Result:
    """``GET /api/system/jobs/{jobId}``: 404 unknown; 403 past 10 reads of an unfinished job."""
    job_id = call.params["jobId"]
    jobs = call.app.jobs
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, "job-not-found", f'Job with ID "{job_id}" not found.', job_id)
    now = call.app.clock.time()
    status = job.status(now)
    if status in ("pending", "running") and jobs.count_detail_read(job) > MAX_DETAIL_READS:
        raise ApiError(
            403,
            "job-detail-try-counter-exceeded-limit",
            "You have exceeded the limit of job detail request for unprocessed job "
            f'"{job_id}". Please wait for job:finished event after job is completed!',
            job_id,
        )
    record = _times(job, now)
    completion = job.completion(now)
    record["duration"] = None if completion is None else f"{completion - job.created:.3f}"
    record["resultUrl"] = (
        f"{files_base(job.api_base)}{RESULTS_PATH}{job.file_name}"
        if status == "completed"
        else None
    )
    record["log"] = job.log(now)
    return Result(200, {"job": record})


# --- the result file ------------------------------------------------------------------------


def result_file(app: SandboxApp, file_name: str) -> bytes | None:
    """The result file's bytes, or None when there is none (unknown, unfinished, failed,
    killed or expired: a deleted file is a plain 404 on a web server)."""
    job = app.jobs.by_file(file_name)
    if job is None:
        return None
    app.jobs.settle(app.clock.time())
    status = job.status(app.clock.time())
    if status == "expired":
        job.packed = None  # the file is deleted: free the memory
    if status != "completed":
        return None
    job.written.wait()
    return job.packed


def _write_result(app: SandboxApp, job: Job) -> None:
    try:
        packed = gzip_json_lines(_lines(app, job))
        job.packed = truncate(packed) if job.fault == "truncated_result" else packed
    finally:
        job.written.set()


def _lines(app: SandboxApp, job: Job) -> Iterator[dict[str, Any]]:
    options = app.options
    language = job.language or options.default_language
    for guid in job.guids:
        product = app.store.product(guid)
        if product is not None:
            yield product_detail(
                app.store, job.api_base, product, options, language, job.with_images
            )
