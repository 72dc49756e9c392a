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

import threading
from collections.abc import Iterator
from typing import Any

from . import clock
from .catalogue import ProductRecord, category_guid, supplier_guid
from .exchange import (
    ApiError,
    Call,
    Result,
    Shop,
    error_item,
    filter_by_times,
    includes,
    int_param,
    paginator,
)
from .job_queue import Job
from .products import PRODUCT_TIME_BOUNDS, id_list, product_detail
from .results import RESULTS_PATH, files_base, gzip_json_lines, truncate
from .webhooks import require_job_webhook

STATUSES = ("pending", "running", "completed", "failed", "expired", "killed")
#: Detail requests an unfinished job answers; the next one gets 403.
MAX_DETAIL_READS = 10
#: Include sections that need a module the sandbox shop does not have (→ 403 missing-module).
_MODULE_SECTIONS = {"consumptionTax": "Consumption tax", "perStockAmounts": "stock"}


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
    job = call.app.jobs.add(
        call.options,
        created=call.app.clock.time(),
        language=call.language,
        api_base=call.request.base,
        guids=tuple(p.guid for p in products),
        with_images="images" in sections,
    )
    if job.fault is not None:
        call.app.stats.fault(job.fault)
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


def result_file(app: Shop, file_name: str) -> bytes | None:
    """The result file's bytes, or None when there is none (unknown, unfinished, failed,
    killed or expired: a deleted file is a plain 404 on a web server)."""
    job = app.jobs.by_file(file_name)
    if job is None:
        return None
    app.jobs.settle(app.clock.time())  # an insert job's file is written when it takes effect
    status = job.status(app.clock.time())
    if status == "expired":
        job.packed = None  # the file is deleted: free the memory
    if status != "completed":
        return None
    job.written.wait()
    return job.packed


def _write_result(app: Shop, job: Job) -> None:
    try:
        packed = gzip_json_lines(_lines(app, job))
        job.packed = truncate(packed) if job.fault == "truncated_result" else packed
    finally:
        job.written.set()


def _lines(app: Shop, job: Job) -> Iterator[dict[str, Any]]:
    options = app.options
    language = job.language or options.default_language
    for guid in job.guids:
        product = app.store.product(guid)
        if product is not None:
            yield product_detail(
                app.store, job.api_base, product, options, language, job.with_images
            )
