"""The sandbox shop as a WSGI application: dispatch, auth, limits, faults and the envelope.

Every API answer is Shoptet's envelope ``{"data", "errors", "metadata": {"requestId"}}`` with
``X-Request-ID`` and ``X-RateLimit-Bucket-Filling`` headers, errors included. Image files (the
cut URLs), job result files (``/api-results/...``) and ``/_sandbox/...`` are outside the API:
no auth, no limits, no faults. Routes are looked up in ``routes.ROUTES``.

A request to the API goes: auth → limiter → write lock → latency → fault draw → handler →
charge. Faults reach the carrier (``transport``/``server``) as ``DroppedConnection`` or
``SlowResponse`` exceptions, the only non-WSGI part of the contract.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from . import clock
from .catalogue import GALLERIES
from .clock import ShopClock
from .exchange import ApiError, Call, Request, Result, error
from .faults import DroppedConnection, Fault, SlowResponse, draw
from .job_queue import Jobs
from .jobs import result_file
from .limits import Limiter, request_cost, token_label
from .options import SandboxOptions
from .photos import MEDIA_TYPES, Photo, cut_picture, original_range, original_size
from .pictures import picture
from .results import RESULTS_PATH
from .routes import Match, match
from .sources import SOURCES_PATH, SourceHost
from .stats import Stats
from .store import Store
from .uploads import Uploads
from .webhook_registry import Webhooks

__all__ = ["Observer", "SandboxApp", "add_observer", "remove_observer"]

#: ``fn(method, path_template, status, request_json_or_None, response_json_or_None)``; for a
#: job's result file (``/api-results/{file}``) the response is the file's bytes.
Observer = Callable[[str, str, int, Any, Any], None]
StartResponse = Callable[..., Any]

_observers: list[Observer] = []
_observers_lock = threading.Lock()

_ACCEPTED_TYPES = frozenset({"application/json", "application/vnd.shoptet.v1.0"})
_TOKEN_HEADERS = ("HTTP_SHOPTET_PRIVATE_API_TOKEN", "HTTP_SHOPTET_ACCESS_TOKEN")
# Writes that take the per-URL write lock (a repeat while one is in flight → 423).
_LOCKED_METHODS = frozenset({"PATCH", "DELETE"})
_IMAGE_FILE = re.compile(r"^[0-9A-Za-z_.\-]+\.(?:jpe?g|png|webp|gif)$", re.IGNORECASE)
_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    423: "Locked",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def add_observer(fn: Observer) -> None:
    """Call ``fn`` after every exchange of every sandbox app in this process."""
    with _observers_lock:
        _observers.append(fn)


def remove_observer(fn: Observer) -> None:
    """Stop calling ``fn`` (no error when it was not registered)."""
    with _observers_lock:
        if fn in _observers:
            _observers.remove(fn)


def _notify(method: str, template: str, status: int, request: Any, response: Any) -> None:
    with _observers_lock:
        observers = list(_observers)
    for fn in observers:
        fn(method, template, status, request, response)


@dataclass
class _Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    json: Any


class SandboxApp:
    """WSGI callable of one sandbox shop; the state lives here, ``SandboxShop`` is the handle."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.clock = ShopClock()
        self.store = Store(options, now=self.clock.now)
        self.jobs = Jobs(options.seed)
        self.webhooks = Webhooks(self.clock.now())
        self.limiter = Limiter()
        self.stats = Stats()
        self._expired: set[str] = set()
        self._lock = threading.Lock()
        self._request_numbers = itertools.count(1)
        self._fault_numbers = itertools.count(1)
        self._write_locks: dict[str, tuple[float, object]] = {}
        # Photo inserts (issue 17): staged source files, the added photos' files, and the
        # request → job of each insert whose identical repeat is locked (423).
        self.sources = SourceHost()
        self.uploads = Uploads()
        self.insert_locks: dict[str, str] = {}
        self.insert_locks_guard = threading.Lock()

    # --- public helpers ----------------------------------------------------------------------
    def expire_token(self, token: str) -> None:
        """Answer 401 ``expired-token`` to this token from now on."""
        with self._lock:
            self._expired.add(hashlib.sha256(token.encode("utf-8")).hexdigest())

    def stats_snapshot(self) -> dict[str, Any]:
        """The ``/_sandbox/stats`` body; ``photos_per_hash`` counts each added photo's bytes
        per gallery (``"guid/gallery/sha256": photos``; above 1 is a duplicate);
        ``drops_charged``: the bucket drops charged per token since the shop started."""
        self.jobs.settle(self.clock.time())
        snapshot = self.stats.snapshot(self.limiter.peaks(), self.limiter.levels())
        snapshot["photos_per_hash"] = self.uploads.per_hash(self._still_shown)
        snapshot["drops_charged"] = self.limiter.charged()
        return snapshot

    def _still_shown(self, upload: Any, name: str) -> bool:
        product = self.store.product(upload.guid)
        return product is not None and name in self.store.gallery_names(product, upload.gallery)

    def reset_stats(self) -> None:
        """Zero every counter and peak (bucket levels keep leaking on their own)."""
        self.stats.reset()
        self.limiter.reset_peaks()

    # --- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (see the module docstring for the fault exceptions)."""
        request = self._read(environ)
        options = self.options  # one consistent set of switches per request
        if request.path.startswith("/_sandbox/"):
            response = self._sandbox_endpoint(request)
        elif request.path.startswith(("/user/", "/cdn/")):
            response = self._picture(request, options)
        elif request.path.startswith(RESULTS_PATH):
            response = self._result_file(request, options)
        elif request.path.startswith(SOURCES_PATH):
            response = self._source(request, options)
        else:
            response = self._api(request, options)
        start_response(
            f"{response.status} {_REASONS.get(response.status, 'Status')}", response.headers
        )
        return [response.body]

    @staticmethod
    def _read(environ: dict[str, Any]) -> Request:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        host = environ.get("HTTP_HOST")
        if not host:
            host = f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        query_string = environ.get("QUERY_STRING", "")
        # PATH_INFO is latin-1-decoded bytes per PEP 3333; our paths are ASCII or UTF-8.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        request = Request(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path or "/",
            query=parse_qs(query_string, keep_blank_values=True),
            query_string=query_string,
            headers=environ,
            body=body,
            base=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )
        if body:
            try:
                request.json = json.loads(body)
            except ValueError:
                request.json = None
        return request

    def _plain(self, status: int, body: bytes, content_type: str) -> _Response:
        self.stats.response(status)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        return _Response(status, headers, body, None)

    # --- outside the API ---------------------------------------------------------------------
    def _sandbox_endpoint(self, request: Request) -> _Response:
        if request.path == "/_sandbox/stats" and request.method == "GET":
            payload: Any = self.stats_snapshot()
        elif request.path == "/_sandbox/reset-stats" and request.method == "POST":
            self.reset_stats()
            payload = {"reset": True}
        else:
            return _Response(404, [("Content-Type", "text/plain")], b"not found", None)
        body = json.dumps(payload).encode("utf-8")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        return _Response(200, headers, body, payload)

    def _picture(self, request: Request, options: SandboxOptions) -> _Response:
        # Image files: outside the API (no auth, no limits, no faults), counted in "pictures".
        parts = request.path.strip("/").split("/")
        template = f"/{parts[0]}/{{gallery}}/{{cut}}/{{file}}"
        self.stats.request(f"{request.method} {template}")
        cuts = {cut: (width, height) for cut, width, height in options.image_cuts}
        ok = (
            request.method in ("GET", "HEAD")
            and len(parts) == 4
            and parts[1] in GALLERIES
            and parts[2] in cuts
            and _IMAGE_FILE.match(parts[3]) is not None
        )
        if options.picture_latency_ms > 0:
            time.sleep(options.picture_latency_ms / 1000.0)
        if not ok or (parts[0] == "user" and self.store.file_gone(parts[3])):
            # A deleted photo's files are gone, as on Shoptet's CDN.
            response = self._plain(404, b"not found", "text/plain")
        elif (upload := self.uploads.get(parts[3]) if parts[0] == "user" else None) is not None:
            # An added photo: its fetched bytes are every cut (the original exactly).
            response = self._plain(
                200, b"" if request.method == "HEAD" else upload.data, upload.media_type
            )
            response.headers[-1] = ("Content-Length", str(len(upload.data)))
        elif parts[0] == "user" and parts[2] == "orig":
            response = self._original(request, self.store.photo(parts[3]))
        else:
            if parts[0] == "user":
                png = cut_picture(self.store.photo(parts[3]), *options.picture_size)
            else:  # /cdn/ names are seoName + signature: a picture of that name
                png = picture(parts[3], *options.picture_size)
            response = self._plain(200, b"" if request.method == "HEAD" else png, "image/png")
            if request.method == "HEAD":
                response.headers[-1] = ("Content-Length", str(len(png)))
        if request.method == "GET" and response.status < 400:
            self.stats.picture(len(response.body), with_token=_token(request) is not None)
        _notify(request.method, template, response.status, None, None)
        return response

    def _original(self, request: Request, photo: Photo) -> _Response:
        """The original file, whole, as a single byte range (206) or its headers (HEAD)."""
        total = original_size(photo)
        media = MEDIA_TYPES[photo.format]
        wanted = _byte_range(request.headers.get("HTTP_RANGE"), total)
        if isinstance(wanted, str):  # "unsatisfiable"
            response = self._plain(416, b"", media)
            response.headers.append(("Content-Range", f"bytes */{total}"))
            return response
        start, end = wanted if wanted is not None else (0, total)
        body = b"" if request.method == "HEAD" else original_range(photo, start, end)
        response = self._plain(200 if wanted is None else 206, body, media)
        response.headers[-1] = ("Content-Length", str(end - start))
        response.headers.append(("Accept-Ranges", "bytes"))
        if wanted is not None:
            response.headers.append(("Content-Range", f"bytes {start}-{end - 1}/{total}"))
        return response

    def _source(self, request: Request, options: SandboxOptions) -> _Response:
        # A staged source file (sources.py): outside the API, counted as "GET <template>".
        template = SOURCES_PATH + "{file}"
        self.stats.request(f"{request.method} {template}")
        if _token(request) is not None:
            self.stats.download(with_token=True)  # a token must not reach a source either
        status, media, body = self.sources.serve(request.path, options)
        response = self._plain(status, body, media)
        _notify(request.method, template, response.status, None, None)
        return response

    def _result_file(self, request: Request, options: SandboxOptions) -> _Response:
        # A job's result: outside the API (no auth, no limits, no faults, no bucket drops).
        template = RESULTS_PATH + "{file}"
        self.stats.request(f"{request.method} {template}")
        file_name = request.path[len(RESULTS_PATH) :]
        packed = result_file(self, file_name) if request.method in ("GET", "HEAD") else None
        hop = int(request.param("hop") or 0)
        if packed is not None and hop < options.result_redirects:
            if _token(request) is not None:
                self.stats.download(with_token=True)  # a token must not reach a file, even here
            response = self._plain(302, b"", "text/plain")
            response.headers.append(("Location", f"{request.path}?hop={hop + 1}"))
        elif packed is None:
            response = self._plain(404, b"not found", "text/plain")
        else:
            if request.method == "GET":
                self.stats.download(with_token=_token(request) is not None)
            body = b"" if request.method == "HEAD" else packed
            media = "application/json" if file_name.endswith(".json") else "application/gzip"
            response = self._plain(200, body, media)
            response.headers[-1] = ("Content-Length", str(len(packed)))
        # Observers get the file's bytes (gzip JSON Lines) as the response.
        _notify(request.method, template, response.status, None, response.body or None)
        return response

    # --- the API -----------------------------------------------------------------------------
    def _next(self, counter: Iterator[int]) -> int:
        with self._lock:
            return next(counter)

    def _request_id(self) -> str:
        n = self._next(self._request_numbers)
        digest = hashlib.blake2b(f"request/{self.store.seed}/{n}".encode(), digest_size=16)
        return str(uuid.UUID(bytes=digest.digest()))

    def _envelope(
        self,
        request: Request,
        template: str,
        result: Result,
        options: SandboxOptions,
        label: str | None,
        request_id: str,
    ) -> _Response:
        payload = {
            "data": result.data if result.status < 400 else None,
            "errors": result.errors or None,
            "metadata": {"requestId": request_id},
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Request-ID", request_id),
            ("X-RateLimit-Bucket-Filling", self.limiter.filling(label, options)),
            *result.headers,
        ]
        self.stats.response(result.status)
        return _Response(result.status, headers, body, payload)

    def _api(self, request: Request, options: SandboxOptions) -> _Response:
        request_id = self._request_id()
        matched = match(request.path)
        template = matched.template if matched else request.path
        self.stats.request(f"{request.method} {template if matched else '(unmatched)'}")
        token = _token(request)
        label = token_label(token) if token else None

        def answer(result: Result) -> _Response:
            response = self._envelope(request, template, result, options, label, request_id)
            _notify(request.method, template, response.status, request.json, response.json)
            return response

        if token is None:
            return answer(
                error(
                    401,
                    "missing-access-token",
                    "Access token is missing. Send the Shoptet-Private-API-Token "
                    "or Shoptet-Access-Token header.",
                    "token",
                )
            )
        token_hash = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            expired = token_hash in self._expired
        if expired:
            return answer(error(401, "expired-token", "Access token has expired.", "token"))
        assert label is not None

        admission = self.limiter.enter(label, options)
        if admission.refused is not None:
            self.stats.limited(admission.refused)
            result = error(
                429,
                "too-many-requests",
                "Too many concurrent requests for this token."
                if admission.refused == "concurrency"
                else "Rate limit exceeded: the request bucket is full.",
                "token",
            )
            result.headers.append(("Retry-After", clock.http_date_after(admission.retry_after_s)))
            return answer(result)

        cost = 0
        fault: Fault | None = None
        lock_key: str | None = None
        lock_id = object()
        try:
            if request.method in _LOCKED_METHODS and options.write_lock != "off":
                lock_key = f"{request.path}?{request.query_string}"
                if options.write_lock == "identical":
                    lock_key += "#" + hashlib.sha256(request.body).hexdigest()
                if not self._take_write_lock(lock_key, lock_id, options):
                    lock_key = None
                    cost = options.cost_base
                    return answer(_locked())
            if options.latency_ms > 0:
                time.sleep(options.latency_ms / 1000.0)
            fault = draw(options, self._next(self._fault_numbers))
            if fault is not None and fault.kind not in ("drop", "slow"):
                self.stats.fault(fault.kind)
                return answer(_status_fault(fault.kind))
            if fault is not None and fault.kind == "drop" and not fault.after:
                self.stats.fault("drop")
                raise DroppedConnection
            try:
                result = self._handle(request, matched, options)
            except ApiError as refusal:
                result = Result(refusal.status, errors=refusal.errors)
            cost = request_cost(options, result.images)
        finally:
            if lock_key is not None:
                self._release_write_lock(lock_key, lock_id)
            self.limiter.leave(label, options, cost)

        if fault is not None and fault.kind == "drop":
            self.stats.fault("drop")
            raise DroppedConnection
        done = answer(result)
        if fault is not None and fault.kind == "slow":
            self.stats.fault("slow")
            response = done
            raise SlowResponse(
                f"{response.status} {_REASONS.get(response.status, 'Status')}",
                response.headers,
                response.body,
                options.slow_response_s,
            )
        return done

    def _take_write_lock(self, key: str, lock_id: object, options: SandboxOptions) -> bool:
        with self._lock:
            held = self._write_locks.get(key)
            now = time.monotonic()
            if held is not None and now - held[0] < options.write_lock_s:
                return False
            self._write_locks[key] = (now, lock_id)
            return True

    def _release_write_lock(self, key: str, lock_id: object) -> None:
        with self._lock:
            held = self._write_locks.get(key)
            if held is not None and held[1] is lock_id:
                del self._write_locks[key]

    def _handle(self, request: Request, matched: Match | None, options: SandboxOptions) -> Result:
        if matched is None:
            raise ApiError(404, "not-found", f'Path "{request.path}" does not exist.', request.path)
        handler = matched.handlers.get(request.method)
        if handler is None:
            raise ApiError(
                405,
                "method-not-allowed",
                f"Method {request.method} is not allowed on {matched.template}.",
                matched.template,
            )
        language = _language(request, options)
        _check_content_type(request, options)
        self.jobs.settle(self.clock.time())  # jobs that ended since the last request take effect
        return handler(Call(self, request, matched.params, options, language))


def _token(request: Request) -> str | None:
    return next((request.headers[h] for h in _TOKEN_HEADERS if request.headers.get(h)), None)


def _byte_range(header: str | None, total: int) -> tuple[int, int] | str | None:
    """``Range: bytes=a-b`` (one range; ``a-`` and ``-n`` too) → (start, end exclusive).

    None: no usable Range header, serve the whole file (as servers do with several ranges).
    ``"unsatisfiable"``: the range starts past the end (416).
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, dash, last = header[len("bytes=") :].strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if not first:  # the last n bytes
        n = int(last)
        return (max(0, total - n), total) if n > 0 else "unsatisfiable"
    start = int(first)
    end = total if not last else (int(last) + 1 if last.isdigit() else total)
    if start >= total or (last.isdigit() and int(last) < start):
        return "unsatisfiable" if start >= total else None
    return start, min(end, total)


def _language(request: Request, options: SandboxOptions) -> str:
    language = request.param("language")
    if language is None:
        return options.default_language
    if language not in options.languages:
        raise ApiError(
            400,
            "invalid-parameter",
            f'Invalid "language" parameter "{language}". '
            f"Expected one of: {', '.join(options.languages)}.",
            "language",
        )
    return language


def _check_content_type(request: Request, options: SandboxOptions) -> None:
    raw = request.headers.get("CONTENT_TYPE") or ""
    media = raw.split(";", 1)[0].strip().lower()
    if not media:
        if options.require_content_type:
            raise ApiError(
                400,
                "invalid-request-data",
                'Missing Content-Type header; send "application/json".',
                "Content-Type",
            )
        return
    if media not in _ACCEPTED_TYPES:
        raise ApiError(
            400,
            "invalid-request-data",
            f'Unsupported Content-Type "{media}"; send "application/json".',
            "Content-Type",
        )


def _locked() -> Result:
    return error(
        423,
        "locked",
        "The same request to this URL is still being processed. Retry later.",
        "request",
    )


def _status_fault(kind: str) -> Result:
    if kind == "500":
        return error(500, "unknown-error", "Unknown error (injected by the sandbox).", "server")
    if kind == "503":
        return error(
            503,
            "maintenance",
            "The e-shop is under maintenance (injected by the sandbox).",
            "server",
        )
    if kind == "423":
        return _locked()
    result = error(
        429, "too-many-requests", "Rate limit exceeded (injected by the sandbox).", "token"
    )
    result.headers.append(("Retry-After", clock.http_date_after(0.0)))
    return result
