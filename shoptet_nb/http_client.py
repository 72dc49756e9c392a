"""HttpClient: the one request path of the package, with its limits and retries.

Every API call goes through :meth:`HttpClient.request`, which holds one of the token's three
in-flight slots, paces on ``X-RateLimit-Bucket-Filling``, retries what is safe to retry, and
turns the Shoptet envelope into an :class:`Envelope` or an :class:`~shoptet_nb.errors.APIError`.
The API is synchronous for the user; :meth:`HttpClient.map` runs work on a small thread pool
so that three requests can be in flight without ``asyncio`` in the notebook.

The endpoints (:mod:`shoptet_nb.endpoints`) and the file downloads
(:mod:`shoptet_nb.file_downloads`) are methods on top of this class;
:class:`~shoptet_nb.api_client.ApiClient` puts them together.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from . import _retry
from ._limits import Cancelled, TokenLimiter, shared_limiter, token_fingerprint
from ._thread_map import current_stop, map_items
from .config import Secret, Settings, resolve_token
from .errors import APIError, NetworkError

log = logging.getLogger("shoptet_nb")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Envelope:
    """A parsed Shoptet response: ``data``, the ``errors`` items and where it came from.

    A 200 may carry ``errors`` (a PATCH that was partly done): they are kept here, never dropped.
    """

    status: int
    data: Any
    errors: list[dict[str, Any]]
    request_id: str | None
    method: str
    path: str
    bucket: tuple[float, float] | None = None
    attempts: int = 1


#: Redirects a file download follows before it is called a loop.
MAX_FILE_REDIRECTS = 10


class _TokenAuth(httpx.Auth):
    """Adds the token header, and only on requests to the API's own host.

    Image files live on the shop's domain or a CDN: they must never receive the token.
    """

    def __init__(self, header: str, token: Secret, host: str) -> None:
        self._header = header
        self._token = token
        self._host = host

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url.host == self._host:
            request.headers[self._header] = self._token.reveal()
        yield request

    def __repr__(self) -> str:
        return f"_TokenAuth({self._header}: ***)"


@dataclass
class _Attempt:
    response: httpx.Response | None = None
    exception: httpx.TransportError | None = None
    retry_after: float | None = None
    bucket: tuple[float, float] | None = None


class HttpClient:
    """A connection to one shop with one token: the token, the limits, one request, ``map``.

    The base of :class:`~shoptet_nb.api_client.ApiClient`; users hold its subclass
    :class:`~shoptet_nb.client.ShoptetClient`, made by :func:`~shoptet_nb.client.connect`.
    """

    def __init__(
        self,
        token: Secret,
        token_header: str,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._token_header = token_header
        self._own_transport = transport is not None
        # An in-process transport (the sandbox) may say that threads gain it nothing.
        self._gains_from_threads: Callable[[], bool] = getattr(
            transport, "gains_from_concurrency", lambda: True
        )
        self._host = urlsplit(settings.base_url).hostname or ""
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # jitter only, not security
        self._rng_lock = threading.Lock()
        #: Set by :func:`shoptet_nb.sandbox`: the fake shop behind this client, else None.
        self.sandbox: Any = None
        self._http = httpx.Client(
            base_url=settings.base_url,
            transport=transport,
            timeout=httpx.Timeout(settings.timeout),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": settings.user_agent,
            },
            limits=httpx.Limits(max_connections=settings.max_in_flight + 2),
            # Only file downloads follow redirects (API calls never do); the token is added by
            # _TokenAuth per request, for the API's host only, so no hop can carry it.
            max_redirects=MAX_FILE_REDIRECTS,
        )
        # httpx joins a relative path to base_url by parsing the path, then the joined address
        # again; an API path is joined here as text and parsed once (the same URL, a test
        # checks): the step every request takes, a fifth of httpx's work on one.
        base = self._http.base_url
        prefix = str(base) if not (base.query or base.fragment) else None
        self._url_prefix = prefix if prefix is None or prefix.endswith("/") else prefix + "/"
        self._set_token(token)

    # -- identity -------------------------------------------------------------------------

    def _set_token(self, token: Secret) -> None:
        self._http.auth = _TokenAuth(self._token_header, token, self._host)
        fingerprint = token_fingerprint(token.reveal())
        self.token_label = fingerprint

        def new_limiter() -> TokenLimiter:
            return TokenLimiter(
                max_in_flight=self.settings.max_in_flight,
                leak_per_s=self.settings.bucket_leak_per_s,
                reserve=self.settings.bucket_reserve,
            )

        # Clients of one token on the real network share its budget. A client with its own
        # transport (the sandbox, tests) talks to a server of its own, so it keeps its own.
        self._limiter: TokenLimiter = (
            new_limiter()
            if self._own_transport
            else shared_limiter((self.settings.base_url, fingerprint), new_limiter)
        )

    def set_token(self, token: str) -> None:
        """Carry on with a new token (an add-on access token lives only ~30 minutes)."""
        secret, header = resolve_token(token)
        self._token_header = header
        self._set_token(secret)

    @property
    def is_sandbox(self) -> bool:
        """True when this client talks to the built-in sandbox shop, not a real one."""
        return self.sandbox is not None

    def __repr__(self) -> str:
        kind = "SANDBOX " if self.is_sandbox else ""
        return f"<{type(self).__name__} {kind}{self.settings.base_url} {self._token_header}: ***>"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one request path --------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        retry_safe: bool | None = None,
        cost: float = 1.0,
    ) -> Envelope:
        """Send one API call with limits and retries; return its envelope or raise APIError."""
        method = method.upper()
        if retry_safe is None:
            retry_safe = method == "GET"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        stop = current_stop()
        attempt = 0
        outcome = _Attempt()
        while True:
            attempt += 1
            try:
                outcome = self._attempt(method, path, query, json_body, cost, stop)
            except Cancelled:
                if attempt == 1:
                    raise  # nothing was sent: the caller reports the call as not attempted
                attempt -= 1  # stopped before a retry: the last attempt's outcome stands
                break
            status = outcome.response.status_code if outcome.response is not None else None
            if status is not None and status < 400:
                break  # a success: nothing to decide (decide_retry would say "success")
            error_kind = None
            if outcome.exception is not None:
                error_kind = (
                    "timeout"
                    if isinstance(outcome.exception, httpx.TimeoutException)
                    else "connection"
                )
            decision = self._decide_retry(
                retry_safe, attempt, status, error_kind, outcome.retry_after
            )
            if not decision.retry or (stop is not None and stop.is_set()):
                break
            log.debug(
                "retrying %s %s in %.2f s (attempt %d of %d): %s",
                method,
                path,
                decision.delay,
                attempt + 1,
                self.settings.max_attempts,
                decision.reason,
            )
            if stop is None or self._sleep is not time.sleep:
                self._sleep(decision.delay)  # no run to interrupt, or a test's fake clock
            elif stop.wait(decision.delay):
                break  # interrupted while backing off: no retry
        if outcome.exception is not None:
            raise NetworkError(
                f"{method} {path} failed after {attempt} attempt(s): "
                f"{type(outcome.exception).__name__}: {outcome.exception}; "
                "check the network or raise Settings(timeout=...)",
                method=method,
                path=path,
            ) from outcome.exception
        return self._envelope(outcome, method, path, attempt)

    def _decide_retry(
        self,
        retry_safe: bool,
        attempt: int,
        status: int | None,
        error_kind: str | None,
        retry_after: float | None,
    ) -> _retry.RetryDecision:
        with self._rng_lock:
            jitter = self._rng.random()
        return _retry.decide_retry(
            retry_safe=retry_safe,
            attempt=attempt,
            max_attempts=self.settings.max_attempts,
            status=status,
            error=error_kind,
            retry_after=retry_after,
            backoff_base=self.settings.backoff_base,
            backoff_max=self.settings.backoff_max,
            retry_after_cap=self.settings.retry_after_cap,
            jitter=jitter,
        )

    def _attempt(
        self,
        method: str,
        path: str,
        query: dict[str, Any],
        body: Any,
        cost: float,
        stop: threading.Event | None = None,
    ) -> _Attempt:
        outcome = _Attempt()
        with self._limiter.slot(cost, pace=self.settings.pace, stop=stop):
            try:
                outcome.response = self._http.request(
                    method, self._api_url(path), params=query or None, json=body
                )
            except httpx.TransportError as exc:
                outcome.exception = exc
        response = outcome.response
        if response is not None:
            bucket = _retry.parse_bucket_filling(response.headers.get("X-RateLimit-Bucket-Filling"))
            if bucket is not None:
                self._limiter.report(*bucket)
            outcome.bucket = bucket
            if response.status_code == 429:
                outcome.retry_after = _retry.parse_retry_after(
                    response.headers.get("Retry-After"), datetime.now(timezone.utc)
                )
                if outcome.retry_after is not None:
                    # Hold the token's other threads too: they would only meet the same 429.
                    self._limiter.pause(min(outcome.retry_after, self.settings.retry_after_cap))
        return outcome

    def _api_url(self, path: str) -> str:
        """The address a request ``path`` names: the base URL joined with it, as httpx would.

        A path that is not plainly the API's own (an absolute or protocol-relative address,
        one with a fragment) is returned as it is, for httpx to join.
        """
        if (
            self._url_prefix is None
            or not path.startswith("/")
            or path.startswith("//")
            or "#" in path
        ):
            return path
        return self._url_prefix + path[1:]

    def _envelope(self, outcome: _Attempt, method: str, path: str, attempts: int) -> Envelope:
        response = outcome.response
        assert response is not None
        request_id = response.headers.get("X-Request-ID")
        if response.status_code >= 400:
            raise APIError.from_response(
                response.status_code,
                response.content,
                method=method,
                path=path,
                request_id=request_id,
                retry_after=outcome.retry_after,
            )
        try:
            payload = json.loads(response.content)
        except ValueError as exc:
            raise APIError(
                "the server answered with a body that is not JSON",
                status=response.status_code,
                request_id=request_id,
                method=method,
                path=path,
            ) from exc
        if not isinstance(payload, dict):
            payload = {"data": payload}
        errors = payload.get("errors") or []
        meta = payload.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("requestId"), str):
            request_id = meta["requestId"]
        return Envelope(
            status=response.status_code,
            data=payload.get("data"),
            errors=[e for e in errors if isinstance(e, dict)],
            request_id=request_id,
            method=method,
            path=path,
            bucket=outcome.bucket,
            attempts=attempts,
        )

    # -- concurrency -----------------------------------------------------------------------

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        stop: threading.Event | None = None,
    ) -> Generator[tuple[T, R | BaseException], None, None]:
        """Run ``fn`` over ``items`` with up to ``max_in_flight`` at once, yielding as they end.

        Each result is ``(item, value)`` or ``(item, exception)``: one failure does not stop
        the others. At most a few hundred items are queued ahead, so memory stays flat on long
        runs over a lazy iterable.

        When the caller stops early (an interrupt in its thread, an exception, ``close()``),
        ``stop`` is set (a new event when none is given): queued items never start, requests
        the workers make after it are not sent (:class:`~shoptet_nb._limits.Cancelled`) and are
        not retried, and the calls already in flight are waited for, so that their outcome is
        known when this returns. A second interrupt during that wait returns at once; the
        workers then end on their own, bounded by the client's timeout, without sending
        anything new. Items not started when ``stop`` is set (by anyone) are skipped. A map
        inside another map's worker follows that map's ``stop``.

        >>> for guid, envelope in client.map(client.list_images_envelope, guids):  # doctest: +SKIP
        ...     print(guid, envelope)
        """
        yield from map_items(
            fn,
            items,
            workers=self.settings.max_in_flight,
            # Asked at the first item, not at the call (map is a generator: a call starts nothing).
            threaded=self._gains_from_threads(),
            stop=stop,
        )
