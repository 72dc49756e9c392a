"""ApiClient: the only place in the package that speaks HTTP.

Every request goes through :meth:`ApiClient.request`, which holds one of the token's three
in-flight slots, paces on ``X-RateLimit-Bucket-Filling``, retries what is safe to retry, and
turns the Shoptet envelope into an :class:`Envelope` or an :class:`~shoptet_nb.errors.APIError`.
The API is synchronous for the user; :meth:`ApiClient.map` runs work on a small thread pool
so that three requests can be in flight without ``asyncio`` in the notebook.

Users hold a :class:`~shoptet_nb.client.ShoptetClient`, this class plus the asynchronous jobs
(``shoptet_nb.jobs``). The jobs are a layer above this one: they send their requests through
it, and nothing here knows of them, so the import graph has no circle.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from . import _retry
from ._limits import Cancelled, TokenLimiter, shared_limiter, token_fingerprint
from ._times import format_shoptet_time
from .config import Secret, Settings, resolve_token
from .errors import APIError, ArgumentError, NetworkError

log = logging.getLogger("shoptet_nb")

T = TypeVar("T")
R = TypeVar("R")

GALLERIES = ("shop", "shop360")
_MAX_GUIDS_PER_FILTER = 50  # Shoptet's limit for the productGuids filter
# Work queued ahead of the pool in map(). Refills happen in the caller's thread, which must win
# the GIL back from busy workers first; a deep queue keeps the workers from idling meanwhile.
_QUEUED_AHEAD = 256
# The stop event of the map() whose worker runs in this thread: requests made there check it.
_scope = threading.local()


def current_stop() -> threading.Event | None:
    """The stop event of the run this thread works for (set on an interrupt), if any."""
    return getattr(_scope, "stop", None)


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


class ApiClient:
    """A connection to one shop with one token: requests, pages, images, files.

    Users hold its subclass :class:`~shoptet_nb.client.ShoptetClient`, made by
    :func:`~shoptet_nb.client.connect`.
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
        self._eshop: dict[str, Any] | None = None  # GET /api/eshop, read once
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
        # Inside another map's worker, follow that run's stop event, but leave setting it to
        # that map: a failure in this inner loop is not an interrupt of the outer run.
        inherited = stop is None and current_stop() is not None
        stop = stop or current_stop() or threading.Event()
        workers = self.settings.max_in_flight
        if workers == 1 or not self._gains_from_threads():
            # Nothing to overlap: threads would only contend for the GIL.
            yield from _serial_map(fn, items, None if inherited else stop)
            return

        def work(item: T) -> R:
            outer = current_stop()
            _scope.stop = stop
            try:
                return fn(item)
            finally:
                _scope.stop = outer

        iterator = iter(items)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shoptet")
        running: dict[Future[R], T] = {}
        finished = False

        def submit_next() -> bool:
            if stop.is_set():
                return False
            try:
                item = next(iterator)
            except StopIteration:
                return False
            running[pool.submit(work, item)] = item
            return True

        try:
            for _ in range(max(workers * 2, _QUEUED_AHEAD)):
                if not submit_next():
                    break
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    item = running.pop(future)
                    error = future.exception()
                    yield (item, error) if error is not None else (item, future.result())
                    submit_next()
            finished = True
        finally:
            if not finished and not inherited:
                stop.set()
            # Queued items never start; the ones in flight end on their own.
            pool.shutdown(wait=False, cancel_futures=True)
            if not finished:
                # Wait for the calls in flight, so that their outcome is recorded before the
                # caller goes on. A second interrupt lands here and returns at once.
                wait([f for f in running if not f.cancelled()])

    # -- operations ------------------------------------------------------------------------

    def list_products(
        self,
        *,
        change_time_from: datetime | str | None = None,
        product_guids: Sequence[str] | None = None,
        language: str | None = None,
        items_per_page: int = 1000,
    ) -> list[dict[str, Any]]:
        """Every product of the shop (all pages), optionally filtered.

        ``change_time_from`` keeps products changed since then; ``product_guids`` keeps those
        products (sent in chunks of 50, Shoptet's limit per call).
        """
        base: dict[str, Any] = {"itemsPerPage": items_per_page, "language": language}
        if change_time_from is not None:
            base["changeTimeFrom"] = format_shoptet_time(change_time_from)
        if product_guids is not None:
            guids = list(dict.fromkeys(product_guids))
            chunks = [
                guids[i : i + _MAX_GUIDS_PER_FILTER]
                for i in range(0, len(guids), _MAX_GUIDS_PER_FILTER)
            ]
            # The chunks are independent: read them side by side, keep their order.
            found: dict[int, list[dict[str, Any]]] = {}
            for number, outcome in self.map(
                lambda n: self._all_pages({**base, "productGuids": ",".join(chunks[n])}),
                range(len(chunks)),
            ):
                if isinstance(outcome, BaseException):
                    raise outcome
                found[number] = outcome
            return [product for number in sorted(found) for product in found[number]]
        return self._all_pages(base)

    def _all_pages(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        first = self.request("GET", "/api/products", params={**params, "page": 1})
        pages: dict[int, list[dict[str, Any]]] = {1: _products_of(first)}
        page_count = int(((first.data or {}).get("paginator") or {}).get("pageCount") or 1)
        rest = range(2, page_count + 1)
        for page, result in self.map(
            lambda p: self.request("GET", "/api/products", params={**params, "page": p}), rest
        ):
            if isinstance(result, BaseException):
                raise result
            pages[page] = _products_of(result)
        return [product for page in sorted(pages) for product in pages[page]]

    def get_product(
        self, guid: str, *, include_images: bool = False, language: str | None = None
    ) -> dict[str, Any]:
        """One product's detail (``include=images`` adds its images)."""
        params = {"include": "images" if include_images else None, "language": language}
        data = self.request("GET", f"/api/products/{_seg(guid)}", params=params).data
        return dict(data or {})

    def get_product_by_code(self, code: str, *, language: str | None = None) -> dict[str, Any]:
        """The product that has a variant with this code."""
        path = f"/api/products/code/{_seg(code)}"
        return dict(self.request("GET", path, params={"language": language}).data or {})

    def list_images_envelope(
        self, guid: str, gallery: str = "shop", *, language: str | None = None
    ) -> Envelope:
        """The gallery's images as the raw envelope (keeps request id and any errors)."""
        _check_gallery(gallery)
        path = f"/api/products/{_seg(guid)}/images/{_seg(gallery)}"
        return self.request("GET", path, params={"language": language})

    def list_images(
        self, guid: str, gallery: str = "shop", *, language: str | None = None
    ) -> list[dict[str, Any]]:
        """The gallery's images in admin order, as the API's records."""
        envelope = self.list_images_envelope(guid, gallery, language=language)
        return list((envelope.data or {}).get("images") or [])

    def update_images(
        self,
        guid: str,
        gallery: str,
        items: Sequence[dict[str, Any]],
        *,
        language: str | None = None,
    ) -> list[Envelope]:
        """PATCH captions and priorities, in calls of at most 100 images; one envelope a call.

        A 200 whose ``errors`` lists skipped images is returned as is (see ``Envelope.errors``);
        an error status raises :class:`~shoptet_nb.errors.APIError`.
        """
        _check_gallery(gallery)
        if not items:
            raise ArgumentError("update_images needs at least one image")
        path = f"/api/products/{_seg(guid)}/images/{_seg(gallery)}"
        size = self.settings.max_images_per_call
        envelopes = []
        for start in range(0, len(items), size):
            chunk = [dict(item) for item in items[start : start + size]]
            envelopes.append(
                self.request(
                    "PATCH",
                    path,
                    params={"language": language},
                    json_body={"data": {"images": chunk}},
                    # PATCH sets absolute values, so a repeat after a lost answer is harmless.
                    retry_safe=True,
                    cost=1 + len(chunk) // 10,
                )
            )
        return envelopes

    def _eshop_info(self) -> dict[str, Any]:
        # One read serves the image cuts and the languages: both are fixed for a session.
        if self._eshop is None:
            data = self.request("GET", "/api/eshop", params={"include": "imageCuts"}).data
            self._eshop = dict(data or {})
        return self._eshop

    def image_cuts(self) -> list[dict[str, Any]]:
        """The shop's image cuts (``name``, ``width``, ``height``, ``urlPath``, ``cdnPath``)."""
        return list(self._eshop_info().get("imageCuts") or [])

    def default_language(self) -> str | None:
        """The shop's default language code (e.g. ``"cs"``), or None when the shop does not say.

        Read once from ``GET /api/eshop``: ``languages[].isDefault`` when the shop has foreign
        languages, else ``settings.eshopLanguage``. ``?language=`` with this code and no
        ``?language=`` at all address the same texts.

        >>> client.default_language()   # doctest: +SKIP
        'cs'
        """
        info = self._eshop_info()
        for language in info.get("languages") or []:
            if isinstance(language, dict) and language.get("isDefault"):
                code = language.get("code")
                if isinstance(code, str) and code:
                    return code
        code = (info.get("settings") or {}).get("eshopLanguage")
        return code if isinstance(code, str) and code else None

    def languages(self) -> list[str]:
        """The language codes the shop has (``?language=`` accepts them), [] when it does not say.

        Read with :meth:`default_language` (one ``GET /api/eshop`` per client).

        >>> client.languages()   # doctest: +SKIP
        ['cs', 'sk', 'en']
        """
        listed = self._eshop_info().get("languages") or []
        codes = [item.get("code") for item in listed if isinstance(item, dict)]
        known = [code for code in codes if isinstance(code, str) and code]
        default = self.default_language()
        return known or ([default] if default else [])

    def image_url(self, name: str, cut: str = "detail") -> str | None:
        """The full URL of an image file in one cut (``urlPath + name``)."""
        for item in self.image_cuts():
            if item.get("name") == cut and item.get("urlPath"):
                return str(item["urlPath"]) + name
        return None

    def stream_file(self, url: str, *, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        """The raw bytes of a file outside the API (a job's result), as they arrive.

        Sent with no auth at all: the token goes only to the API (even if the file were on the
        API's host). Costs no bucket drops; connection errors and 5xx before the first byte
        are retried like API calls, later ones raise :class:`NetworkError`.
        """
        where = urlsplit(url)
        label = f"{where.scheme}://{where.netloc}{where.path}"  # never the signed query
        attempt = 0
        while True:
            attempt += 1
            started = False
            try:
                with self._http.stream(
                    "GET", url, auth=None, headers={"Accept": "*/*"}, follow_redirects=True
                ) as reply:
                    status = reply.status_code
                    if status < 400:
                        # Raw: a Content-Encoding is the file's own compression, not undone.
                        # (A transport that answered with bytes already read has no raw left.)
                        raw = [reply.content] if reply.is_stream_consumed else None
                        for chunk in raw or reply.iter_raw(chunk_size):
                            started = True
                            yield chunk
                        return
                    body = reply.read()
                error_kind = None
            except httpx.TooManyRedirects as exc:
                raise NetworkError(
                    f"GET {label} redirects more than {MAX_FILE_REDIRECTS} times (a redirect "
                    "loop at the file's host); try again later",
                    method="GET",
                    path=label,
                ) from exc
            except httpx.TransportError as exc:
                if started or attempt >= self.settings.max_attempts:
                    raise NetworkError(
                        f"GET {label} failed: {type(exc).__name__}: {exc}",
                        method="GET",
                        path=label,
                    ) from exc
                status, body, error_kind = None, b"", "connection"
            decision = self._decide_retry(True, attempt, status, error_kind, None)
            if not decision.retry:
                assert status is not None
                raise APIError.from_response(status, body, method="GET", path=label)
            self._sleep(decision.delay)

    def read_file(self, url: str, *, start: int = 0, length: int | None = None) -> FilePart:
        """Bytes of a file outside the API (an image), never with the token.

        With ``length``, only bytes ``start`` to ``start + length`` are asked for (a ``Range``
        request); a server that ignores ``Range`` answers with the whole file, of which only
        what is needed is read before the connection is closed. ``FilePart.total`` is the
        file's size from ``Content-Range`` (or ``Content-Length``), so no ``HEAD`` is needed.
        Connection errors, timeouts, 429 and 5xx are retried like API calls (a map's
        interrupt stops the retries); other errors raise :class:`APIError`.

        >>> client.read_file(url, length=16384).total    # doctest: +SKIP
        2345678
        """
        where = urlsplit(url)
        label = f"{where.scheme}://{where.netloc}{where.path}"  # never a signed query
        headers = {"Accept": "*/*"}
        if length is not None:
            headers["Range"] = f"bytes={start}-{start + max(length, 1) - 1}"
        stop = current_stop()
        attempt = 0
        while True:
            attempt += 1
            if stop is not None and stop.is_set():
                raise Cancelled
            status: int | None = None
            error_kind: str | None = None
            retry_after: float | None = None
            body = b""
            try:
                with self._http.stream("GET", url, auth=None, headers=headers) as reply:
                    status = reply.status_code
                    if status < 400 or status == 416:
                        return _file_part(reply, start, length)
                    body = reply.read()
                    if status == 429:
                        retry_after = _retry.parse_retry_after(
                            reply.headers.get("Retry-After"), datetime.now(timezone.utc)
                        )
            except httpx.TransportError as exc:
                if attempt >= self.settings.max_attempts:
                    raise NetworkError(
                        f"GET {label} failed after {attempt} attempt(s): "
                        f"{type(exc).__name__}: {exc}",
                        method="GET",
                        path=label,
                    ) from exc
                error_kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection"
            decision = self._decide_retry(True, attempt, status, error_kind, retry_after)
            if not decision.retry:
                assert status is not None
                raise APIError.from_response(status, body, method="GET", path=label)
            if stop is None or self._sleep is not time.sleep:
                self._sleep(decision.delay)
            elif stop.wait(decision.delay):
                raise Cancelled

    def fetch_file(self, url: str) -> bytes:
        """Download an image file (thumbnails for the widget). The token is not sent to it."""
        try:
            # auth=None: no token, even where the files live on the API's own host.
            response = self._http.get(
                url, auth=None, headers={"Accept": "*/*"}, follow_redirects=True
            )
        except (httpx.TransportError, httpx.TooManyRedirects) as exc:
            raise NetworkError(f"GET {url} failed: {exc}", method="GET", path=url) from exc
        if response.status_code >= 400:
            raise APIError.from_response(
                response.status_code, response.content, method="GET", path=url
            )
        return response.content


@dataclass(frozen=True)
class FilePart:
    """Bytes read from a file by :meth:`ApiClient.read_file`.

    ``start``: where ``content`` starts in the file; ``total``: the file's size in bytes when the
    server said it (None otherwise); ``status``: 200 (whole file), 206 (a range) or 416 (the
    range starts past the end: no content).
    """

    content: bytes
    start: int
    total: int | None
    status: int


def _file_part(reply: httpx.Response, start: int, length: int | None) -> FilePart:
    """Read what was asked for from an open response (206, 200 or 416), then stop reading."""
    total: int | None = None
    content_range = reply.headers.get("Content-Range", "")
    if "/" in content_range:
        size = content_range.rpartition("/")[2].strip()
        total = int(size) if size.isdigit() else None
    if reply.status_code == 416:
        return FilePart(b"", start, total, 416)
    if reply.status_code != 206:
        length_header = reply.headers.get("Content-Length", "")
        total = int(length_header) if length_header.isdigit() else None
        # The whole file came: skip to ``start``, keep ``length`` bytes, close the rest.
        wanted = None if length is None else start + length
        buffer = bytearray()
        for chunk in reply.iter_bytes():
            buffer += chunk
            if wanted is not None and len(buffer) >= wanted:
                break
        content = bytes(buffer[start:wanted])
        return FilePart(content, start, total, reply.status_code)
    first = content_range.removeprefix("bytes ").partition("-")[0].strip()
    offset = int(first) if first.isdigit() else start
    return FilePart(reply.read(), offset, total, 206)


def _serial_map(
    fn: Callable[[T], R], items: Iterable[T], stop: threading.Event | None
) -> Generator[tuple[T, R | BaseException], None, None]:
    """map() without threads: each item in the caller's thread (an interrupt lands in fn).

    ``stop`` is set when the caller stops early; None leaves it to an outer map.
    """
    finished = False
    try:
        for item in items:
            if stop is not None and stop.is_set():
                break
            outcome: R | BaseException
            try:
                outcome = fn(item)
            except Exception as exc:  # reported per item, as the threads do
                outcome = exc
            yield item, outcome
        finished = True
    finally:
        if not finished and stop is not None:
            stop.set()


def _products_of(envelope: Envelope) -> list[dict[str, Any]]:
    return list((envelope.data or {}).get("products") or [])


def _seg(value: str) -> str:
    """One path segment, escaped (guids are safe; product codes may hold anything)."""
    return quote(str(value), safe="")


def _check_gallery(gallery: str) -> None:
    if gallery not in GALLERIES:
        raise ArgumentError(
            f"unknown gallery {gallery!r}: use 'shop' (normal photos) or 'shop360' (360° photos)"
        )
