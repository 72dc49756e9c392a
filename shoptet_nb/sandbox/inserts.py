"""``POST /api/products/{guid}/images/{gallery}`` (createProductImages): photos by URL, as a job.

A valid request queues a job (202 ``data.jobId``) and changes nothing yet; the job runs
``insert_job_s`` on the shop's clock and, when it completes, fetches every ``sourceUrl``
(in-process, see ``sources``), appends the photos that came in request order, and writes its
result file. Without a ``job:finished`` webhook: 403, no job (as for snapshots). A body that
breaks the schema: ``schema_error_status`` (422), no job. The same request again (URL and body)
while its job runs: 423, no job (``insert_lock``).

The result file's content is undocumented by Shoptet (ambiguity A1). Sandbox decision: JSON,
shaped like the documented result of the Files batch upload::

    {"data": {"images": [{"index": 0, "name": "12-2.jpg", "sourceUrl": "…", "md5": "…"}]},
     "errors": [{"errorCode": "file-not-found", "message": "…", "instance": "data.images[1]"}]}

``index`` is the 0-based position of the item in the request; an item that failed is in
``errors`` only, its ``instance`` naming the item. The job's ``log`` says how many came in.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .exchange import ApiError, Call, Result, Shop, error_item
from .images import gallery_of
from .products import find
from .sources import media_type
from .validation import image_list, invalid, objects, value_problems
from .webhooks import require_job_webhook

if TYPE_CHECKING:
    from .catalogue import ProductRecord

MAX_SOURCE_URL = 2000
_ITEM_KEYS = frozenset({"sourceUrl", "priority", "description"})


def check_insert_body(body: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """``(items, errors)`` of a createProductImages body (the schema, checked by hand)."""
    images, errors = image_list(body)
    if images is None:
        return [], errors
    for _, where, item in objects(images, _ITEM_KEYS, errors):
        url = item.get("sourceUrl")
        if not isinstance(url, str) or not 1 <= len(url) <= MAX_SOURCE_URL:
            errors.append(
                invalid(
                    f'"sourceUrl" must be a string of 1 to {MAX_SOURCE_URL} characters.',
                    f"{where}.sourceUrl",
                )
            )
        errors += value_problems(item, where)
    return ([], errors) if errors else (images, [])


def create_images(call: Call) -> Result:
    """Queue an image-insert job (202), or refuse it (403, 404, 422, 423) with no job."""
    product = find(call, call.params["guid"])
    gallery = gallery_of(call)
    options = call.options
    items, problems = check_insert_body(call.request.json)
    if problems:
        return Result(options.schema_error_status, errors=problems)
    require_job_webhook(call)
    app = call.app
    key = f"{call.request.path}#{hashlib.sha256(call.request.body).hexdigest()}"
    with app.insert_locks_guard:
        locks = app.insert_locks
        held = app.jobs.get(locks.get(key, ""))
        if (
            options.insert_lock
            and held is not None
            and held.status(app.clock.time()) in ("pending", "running")
        ):
            raise ApiError(
                423,
                "locked",
                "The same request to this URL is still being processed. Retry later.",
                "request",
            )
        job = app.jobs.add(
            options,
            created=app.clock.time(),
            language=call.language,
            api_base=call.request.base,
            guids=(),
            with_images=False,
            endpoint=call.request.path,
            run_s=options.insert_job_s,
            on_finish=lambda: _run(app, product, gallery, items),
        )
        locks[key] = job.job_id
    if job.fault is not None:
        app.stats.fault(job.fault)
    return Result(202, {"jobId": job.job_id}, images=len(items))


def _run(
    app: Shop, product: ProductRecord, gallery: str, items: list[dict[str, Any]]
) -> tuple[bytes, str]:
    """The job's work: fetch each source, add what came, and the result file and log."""
    options = app.options
    taken = set(app.store.gallery_names(product, "shop")) | set(
        app.store.gallery_names(product, "shop360")
    )
    added: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    rows: list[tuple[str, int | None, str | None]] = []
    for index, item in enumerate(items):
        fetched = app.sources.fetch(item["sourceUrl"], options)
        if fetched.data is None:
            errors.append(
                error_item(
                    fetched.error_code or "file-upload-error",
                    fetched.message or "File upload failed.",
                    f"data.images[{index}]",
                )
            )
            continue
        kind = media_type(fetched.data)
        assert kind is not None  # fetch() refuses what is not an image
        name = app.uploads.name(product.index + 1, kind[1], taken)
        taken.add(name)
        app.uploads.add(name, product.guid, gallery, fetched.data, kind[0])
        rows.append((name, item.get("priority"), item.get("description")))
        added.append(
            {
                "index": index,
                "name": name,
                "sourceUrl": item["sourceUrl"],
                "md5": hashlib.md5(fetched.data, usedforsecurity=False).hexdigest(),
            }
        )
    app.store.insert(product, gallery, rows, options)
    body = {"data": {"images": added}, "errors": errors or None}
    summary = f"Inserted {len(added)} of {len(items)} images."
    return json.dumps(body, ensure_ascii=False).encode("utf-8"), summary
