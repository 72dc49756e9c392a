"""The exceptions shoptet_nb raises, one tree::

    ShoptetError
    ├── ConfigError (also ValueError)       missing token, bad base URL, bad settings
    ├── ArgumentError (also ValueError)     an argument the function cannot use
    │   └── FrameError                      an input frame breaks the contract
    ├── NetworkError                        connection or timeout after retries; cause chained
    ├── JobError                            an asynchronous job (the snapshot): job_id, status, log
    │   ├── JobFailedError                  the job failed, was killed or expired
    │   ├── JobTimeoutError                 still running after the timeout (resume it later)
    │   └── JobResultError                  the result file is gone, truncated or corrupt
    └── APIError                            status, error_code, message, instance, request_id,
        │                                   method, path
        ├── AuthenticationError   401/403
        ├── NotFoundError         404
        ├── ConflictError         409
        ├── ValidationError       400/413/422
        ├── LockedError           423
        ├── RateLimitError        429 (retry_after)
        └── ServerError           5xx

    Interrupted (a KeyboardInterrupt)       Ctrl+C / "Interrupt kernel" during a run; carries
                                            the partial ``result``

Messages are one line and say what to do. None of them ever holds the API token: the client
builds them from the method, the path and the server's envelope only.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "APIError",
    "ArgumentError",
    "AuthenticationError",
    "ConfigError",
    "ConflictError",
    "FrameError",
    "Interrupted",
    "JobError",
    "JobFailedError",
    "JobResultError",
    "JobTimeoutError",
    "LockedError",
    "NetworkError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "ShoptetError",
    "ValidationError",
    "error_class_for_status",
]


class ShoptetError(Exception):
    """Base class of every error shoptet_nb raises."""


class ConfigError(ShoptetError, ValueError):
    """A setting is missing or wrong (no token, a malformed base URL, a bad limit)."""


class ArgumentError(ShoptetError, ValueError):
    """An argument the function cannot use (an unknown gallery, an empty list of images)."""


class FrameError(ArgumentError):
    """An input DataFrame breaks the contract (missing columns, wrong types)."""


class NetworkError(ShoptetError):
    """The request could not be completed (connection, timeout) even after retries.

    The underlying httpx exception is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class JobError(ShoptetError):
    """An asynchronous job (the product snapshot) gave no usable result.

    ``job_id`` names the job, ``status`` is its last known status and ``log`` the log Shoptet
    kept of it (None when it kept none).
    """

    def __init__(
        self, message: str, *, job_id: str, status: str | None = None, log: str | None = None
    ) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.status = status
        self.log = log


class JobFailedError(JobError):
    """The job ended ``failed``, ``killed`` or ``expired``: start a new one."""


class JobTimeoutError(JobError):
    """The job was still running when the wait ran out; it goes on: read it later by its id."""


class JobResultError(JobError):
    """The job's result file is gone (past ``validUntil``), truncated or corrupt."""


class APIError(ShoptetError):
    """The API answered with an error status.

    Carries the HTTP ``status``, the first error item's ``error_code``, ``message`` and
    ``instance``, every item in ``errors``, the ``request_id`` (quote it to Shoptet support),
    and the ``method`` and ``path`` of the request.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str | None = None,
        instance: str | None = None,
        request_id: str | None = None,
        method: str = "",
        path: str = "",
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.instance = instance
        self.request_id = request_id
        self.method = method
        self.path = path
        self.errors = errors or []
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        code = f" {self.error_code}" if self.error_code else ""
        where = f" ({self.method} {self.path})" if self.method else ""
        rid = f" [request {self.request_id}]" if self.request_id else ""
        return f"HTTP {self.status}{code}: {self.message}{where}{rid}{self._hint()}"

    def _hint(self) -> str:
        return ""

    @classmethod
    def from_response(
        cls,
        status: int,
        body: bytes,
        *,
        method: str,
        path: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> APIError:
        """Build the right subclass from a status and a body that may not even be JSON."""
        errors: list[dict[str, Any]] = []
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            raw = payload.get("errors")
            if isinstance(raw, list):
                errors = [e for e in raw if isinstance(e, dict)]
            meta = payload.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("requestId"), str):
                request_id = meta["requestId"]
        first = errors[0] if errors else {}
        message = str(first.get("message") or _fallback_message(status, body))
        klass = error_class_for_status(status)
        kwargs: dict[str, Any] = {
            "status": status,
            "error_code": first.get("errorCode"),
            "instance": first.get("instance"),
            "request_id": request_id,
            "method": method,
            "path": path,
            "errors": errors,
        }
        if klass is RateLimitError:
            return RateLimitError(message, retry_after=retry_after, **kwargs)
        return klass(message, **kwargs)


class AuthenticationError(APIError):
    """401 or 403: the token is missing, expired, or lacks the rights for this call."""

    def _hint(self) -> str:
        if self.error_code == "expired-token":
            return "; get a new access token and pass it to connect() (or client.set_token())"
        if self.status == 403:
            return "; give the token the rights for product images in the Shoptet admin"
        return "; check SHOPTET_PRIVATE_API_TOKEN or SHOPTET_ACCESS_TOKEN"


class NotFoundError(APIError):
    """404: an unknown product, gallery or path."""


class ConflictError(APIError):
    """409: the change conflicts with the shop's state (e.g. an image used by a variant)."""


class ValidationError(APIError):
    """400, 413 or 422: the request was refused as invalid; nothing was changed."""


class LockedError(APIError):
    """423: the same write to the same URL is still in progress; retry a few seconds later."""


class RateLimitError(APIError):
    """429: over Shoptet's rate limits. ``retry_after`` is in seconds, when the server said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIError):
    """5xx: Shoptet failed or is in maintenance (503)."""


class Interrupted(KeyboardInterrupt):
    """The user interrupted a run (Ctrl+C, Jupyter's "Interrupt kernel"); ``result`` says how far
    it got.

    A ``KeyboardInterrupt``, so a notebook cell still shows as interrupted and a script still
    stops. New requests stop at once; calls already in flight finish or time out and their
    outcome is journaled. ``result`` is the partial :class:`~shoptet_nb.Result` of ``apply``,
    ``update_images`` and ``revert`` (rows never sent are ``not_attempted``; ``None`` when the
    interrupt came while planning, before anything was sent), or the frame ``read_images`` had
    read so far.

    >>> try:                                                     # doctest: +SKIP
    ...     result = shoptet_nb.apply(plan)
    ... except shoptet_nb.Interrupted as stopped:
    ...     result = stopped.result          # revert(result.journal_path, client=client)
    """

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.result = result

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "interrupted"


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    422: ValidationError,
    423: LockedError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP error status (the one status table of the package)."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)


def _fallback_message(status: int, body: bytes) -> str:
    text = body[:200].decode("utf-8", "replace").strip() if body else ""
    return text or f"the server answered {status} with no error details"
