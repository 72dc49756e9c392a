"""Webhook routes, as far as snapshots need them: ``GET`` and ``POST /api/webhooks``.

Shoptet runs asynchronous requests only for a shop with a ``job:finished`` webhook. With the
``job_webhook`` switch on (the default) the sandbox shop lists one as registered from the start
(id 1, pointing at the sandbox itself); off, a client must ``POST`` one. The sandbox stores
webhooks but never calls their URLs (tests and notebooks make no outbound requests).
"""

from __future__ import annotations

from typing import Any

from .exchange import ApiError, Call, Result, int_param, paginator
from .validation import invalid, unexpected_keys

#: Most webhooks one POST may register, and the longest URL (Shoptet's documented limits).
MAX_PER_CALL = 50
MAX_URL = 2000
_ITEM_KEYS = frozenset({"event", "url", "sendPayload"})


def require_job_webhook(call: Call) -> None:
    """403 ``webhook-not-registered`` (nothing queued) unless a ``job:finished`` webhook is
    registered: Shoptet runs asynchronous requests only then."""
    if not call.app.webhooks.has_event("job:finished", call.options):
        raise ApiError(
            403,
            "webhook-not-registered",
            'Asynchronous requests need a registered "job:finished" webhook; register one '
            "with POST /api/webhooks, then repeat the request. No job was queued.",
            "job:finished",
        )


def list_webhooks(call: Call) -> Result:
    """``GET /api/webhooks``."""
    page = int_param(call.request, "page", 1, 1, 1_000_000)
    per_page = int_param(call.request, "itemsPerPage", 20, 1, 500)
    webhooks = call.app.webhooks.all(call.options)
    chunk = webhooks[(page - 1) * per_page : page * per_page]
    data = {"webhooks": chunk, "paginator": paginator(len(webhooks), page, per_page, len(chunk))}
    return Result(200, data)


def register_webhooks(call: Call) -> Result:
    """``POST /api/webhooks``: 201 with the new webhooks; a bad body or an event that already
    has a webhook → ``schema_error_status`` (422), nothing registered."""
    status = call.options.schema_error_status
    items, problems = _check_body(call.request.json)
    if problems:
        return Result(status, errors=problems)
    created, clashes = call.app.webhooks.register(items, call.options, call.app.clock.now())
    if clashes:
        return Result(status, errors=clashes)
    return Result(201, {"webhooks": created})


def _check_body(body: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    if not isinstance(body, dict) or set(body) != {"data"} or not isinstance(body["data"], list):
        return [], [invalid('Body must be {"data": [{"event", "url"}, ...]}.', "data")]
    items: list[dict[str, Any]] = body["data"]
    problems = []
    if not 1 <= len(items) <= MAX_PER_CALL:
        problems.append(invalid(f"Expected 1 to {MAX_PER_CALL} webhooks.", "data"))
    for i, item in enumerate(items):
        where = f"data[{i}]"
        if not isinstance(item, dict):
            problems.append(invalid("Webhook must be an object.", where))
            continue
        problems += unexpected_keys(item, _ITEM_KEYS, where)
        event, url = item.get("event"), item.get("url")
        if not isinstance(event, str) or ":" not in event:
            problems.append(invalid('"event" must be an event name such as "job:finished".', where))
        if not isinstance(url, str) or not url or len(url) > MAX_URL:
            problems.append(invalid(f'"url" must be a string of 1 to {MAX_URL} characters.', where))
        if item.get("sendPayload") not in (None, "full"):
            problems.append(invalid('"sendPayload" must be "full" or null.', where))
    return ([], problems) if problems else (items, [])
