"""What a route handler sees and returns: the parsed request, its call context, the result.

Handlers live in one module per resource (``products``, ``images``, ``jobs``, ``webhooks``,
``eshop``); each is ``handler(call) -> Result`` and raises ``ApiError`` for an error answer.
The app (``app``) turns a ``Result`` into Shoptet's envelope. Handlers reach the shop's state
through ``call.app``, typed as :class:`Shop` (what they may use of the app), so that no handler
module imports the app: the app imports them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from . import clock
from .clock import ShopClock
from .job_queue import Jobs
from .options import SandboxOptions
from .sources import SourceHost
from .stats import Stats
from .store import Store
from .uploads import Uploads
from .webhook_registry import Webhooks

T = TypeVar("T")


class ApiError(Exception):
    """An error answer from a handler: status plus one envelope error item."""

    def __init__(self, status: int, code: str, message: str, instance: str) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [error_item(code, message, instance)]


@dataclass
class Request:
    """One HTTP request as the app read it from the WSGI environ."""

    method: str
    path: str
    query: dict[str, list[str]]
    query_string: str
    headers: Mapping[str, Any]
    body: bytes
    base: str
    json: Any = None

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, or None."""
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class Result:
    """A handler's answer: status, ``data`` (success) or ``errors``, and the images it cost."""

    status: int
    data: Any = None
    errors: list[dict[str, str]] | None = None
    images: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)


class Shop(Protocol):
    """The part of the app (``SandboxApp``) a handler may use: the shop's state."""

    options: SandboxOptions
    clock: ShopClock
    store: Store
    jobs: Jobs
    webhooks: Webhooks
    stats: Stats
    sources: SourceHost
    uploads: Uploads
    insert_locks: dict[str, str]
    insert_locks_guard: threading.Lock


@dataclass
class Call:
    """One routed API request: the app's state, the request, its path parameters, the switches
    in force and the language it asked for."""

    app: Shop
    request: Request
    params: dict[str, str]
    options: SandboxOptions
    language: str

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, or None."""
        return self.request.param(name)


def error_item(code: str, message: str, instance: str) -> dict[str, str]:
    """One item of the envelope's ``errors``."""
    return {"errorCode": code, "message": message, "instance": instance}


def error(status: int, code: str, message: str, instance: str) -> Result:
    """An error result with one item."""
    return Result(status, errors=[error_item(code, message, instance)])


def includes(request: Request) -> set[str]:
    """The sections named in ``?include=a,b``."""
    return {part.strip() for part in (request.param("include") or "").split(",") if part.strip()}


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within ``low..high`` (400 ``invalid-parameter`` otherwise)."""
    raw = request.param(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(
            400,
            "invalid-parameter",
            f'Invalid "{name}" parameter "{raw}". Expected an integer from {low} to {high}.',
            name,
        )
    return value


def time_param(request: Request, name: str) -> int | None:
    """A date-time query parameter as epoch seconds, or None when absent (400 when broken)."""
    raw = request.param(name)
    if raw is None:
        return None
    try:
        return clock.parse_query_time(raw)
    except ValueError:
        raise ApiError(
            400,
            "invalid-parameter",
            f'Invalid "{name}" parameter "{raw}". Expected a date and '
            "time such as 2024-01-01T00:00:00+0100.",
            name,
        ) from None


def paginator(total: int, page: int, per_page: int, on_page: int) -> dict[str, int]:
    """Shoptet's ``paginator`` object."""
    return {
        "totalCount": total,
        "page": page,
        "pageCount": -(-total // per_page),
        "itemsOnPage": on_page,
        "itemsPerPage": per_page,
    }


def filter_by_times(
    request: Request,
    items: Iterable[T],
    bounds: Sequence[tuple[str, Callable[[T], int | None], bool]],
) -> list[T]:
    """Keep the items within every time bound the request gives.

    ``bounds`` are ``(parameter, value_of_item, is_lower_limit)``, e.g.
    ``("changeTimeFrom", lambda p: p.change_time, True)``; an item without a time (None) fails
    any bound that is given. Limits are inclusive.
    """
    kept = list(items)
    for name, value_of, is_lower in bounds:
        limit = time_param(request, name)
        if limit is None:
            continue
        kept = [
            item
            for item in kept
            if (value := value_of(item)) is not None
            and (value >= limit if is_lower else value <= limit)
        ]
    return kept
