"""The sandbox shop as a WSGI application: routing, auth, limits, faults and the envelope.

Every API answer is Shoptet's envelope ``{"data", "errors", "metadata": {"requestId"}}`` with
``X-Request-ID`` and ``X-RateLimit-Bucket-Filling`` headers, errors included. Image files (the
cut URLs) and ``/_sandbox/...`` are outside the API: no auth, no limits, no faults.

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from . import clock
from .catalogue import GALLERIES, ProductRecord, category_guid, category_name, supplier_guid
from .catalogue import supplier_name as _supplier_name
from .faults import DroppedConnection, Fault, SlowResponse, draw
from .limits import Limiter, request_cost, token_label
from .options import SandboxOptions
from .pictures import picture
from .stats import Stats
from .store import Store
from .validation import check_patch_body

__all__ = ["Observer", "SandboxApp", "add_observer", "remove_observer"]

#: ``fn(method, path_template, status, request_json_or_None, response_json_or_None)``
Observer = Callable[[str, str, int, Any, Any], None]
StartResponse = Callable[..., Any]

_observers: list[Observer] = []
_observers_lock = threading.Lock()

_ACCEPTED_TYPES = frozenset({"application/json", "application/vnd.shoptet.v1.0"})
_TOKEN_HEADERS = ("HTTP_SHOPTET_PRIVATE_API_TOKEN", "HTTP_SHOPTET_ACCESS_TOKEN")
_IMAGE_FILE = re.compile(r"^[0-9A-Za-z_.\-]+\.(?:jpe?g|png|webp|gif)$", re.IGNORECASE)
_MAX_GUIDS = 50
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
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


class ApiError(Exception):
    """An error answer from a handler: status plus one envelope error item."""

    def __init__(self, status: int, code: str, message: str, instance: str) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [{"errorCode": code, "message": message, "instance": instance}]


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    query_string: str
    headers: Mapping[str, Any]
    body: bytes
    base: str
    json: Any = None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class _Result:
    status: int
    data: Any = None
    errors: list[dict[str, str]] | None = None
    images: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    json: Any


def _route(path: str, method: str) -> tuple[str, dict[str, str]] | None:
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "products"]:
        rest = parts[2:]
        if not rest:
            return "/api/products", {}
        if len(rest) == 2 and rest[0] == "code":
            return "/api/products/code/{code}", {"code": rest[1]}
        if len(rest) == 1:
            return "/api/products/{guid}", {"guid": rest[0]}
        if len(rest) == 3 and rest[1] == "images":
            return "/api/products/{guid}/images/{gallery}", {"guid": rest[0], "gallery": rest[2]}
    if parts == ["api", "eshop"]:
        return "/api/eshop", {}
    return None


_METHODS = {
    "/api/products": {"GET"},
    "/api/products/code/{code}": {"GET"},
    "/api/products/{guid}": {"GET"},
    "/api/products/{guid}/images/{gallery}": {"GET", "PATCH"},
    "/api/eshop": {"GET"},
}


class SandboxApp:
    """WSGI callable of one sandbox shop; the state lives here, ``SandboxShop`` is the handle."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.store = Store(options)
        self.limiter = Limiter()
        self.stats = Stats()
        self._expired: set[str] = set()
        self._lock = threading.Lock()
        self._request_numbers = itertools.count(1)
        self._fault_numbers = itertools.count(1)
        self._write_locks: dict[str, tuple[float, object]] = {}

    # --- public helpers ----------------------------------------------------------------------
    def expire_token(self, token: str) -> None:
        """Answer 401 ``expired-token`` to this token from now on."""
        with self._lock:
            self._expired.add(hashlib.sha256(token.encode("utf-8")).hexdigest())

    def stats_snapshot(self) -> dict[str, Any]:
        """The ``/_sandbox/stats`` body."""
        return self.stats.snapshot(self.limiter.peaks(), self.limiter.levels())

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
        else:
            response = self._api(request, options)
        start_response(
            f"{response.status} {_REASONS.get(response.status, 'Status')}", response.headers
        )
        return [response.body]

    @staticmethod
    def _read(environ: dict[str, Any]) -> _Request:
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
        request = _Request(
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
    def _sandbox_endpoint(self, request: _Request) -> _Response:
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

    def _picture(self, request: _Request, options: SandboxOptions) -> _Response:
        parts = request.path.strip("/").split("/")
        template = f"/{parts[0]}/{{gallery}}/{{cut}}/{{file}}"
        self.stats.request(f"{request.method} {template}")
        cuts = {cut for cut, _, _ in options.image_cuts}
        ok = (
            request.method in ("GET", "HEAD")
            and len(parts) == 4
            and parts[1] in GALLERIES
            and parts[2] in cuts
            and _IMAGE_FILE.match(parts[3]) is not None
        )
        if not ok:
            response = self._plain(404, b"not found", "text/plain")
        else:
            png = picture(parts[3], *options.picture_size)
            response = self._plain(200, b"" if request.method == "HEAD" else png, "image/png")
            if request.method == "HEAD":
                response.headers[-1] = ("Content-Length", str(len(png)))
        _notify(request.method, template, response.status, None, None)
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
        request: _Request,
        template: str,
        result: _Result,
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

    def _api(self, request: _Request, options: SandboxOptions) -> _Response:
        request_id = self._request_id()
        matched = _route(request.path, request.method)
        template = matched[0] if matched else request.path
        self.stats.request(f"{request.method} {template if matched else '(unmatched)'}")
        token = next((request.headers[h] for h in _TOKEN_HEADERS if request.headers.get(h)), None)
        label = token_label(token) if token else None

        def answer(result: _Result) -> _Response:
            response = self._envelope(request, template, result, options, label, request_id)
            _notify(request.method, template, response.status, request.json, response.json)
            return response

        if token is None:
            return answer(
                _error(
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
            return answer(_error(401, "expired-token", "Access token has expired.", "token"))
        assert label is not None

        admission = self.limiter.enter(label, options)
        if admission.refused is not None:
            self.stats.limited(admission.refused)
            result = _error(
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
            if request.method == "PATCH" and options.write_lock != "off":
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
                result = self._handle(request, template, matched, options)
            except ApiError as error:
                result = _Result(error.status, errors=error.errors)
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

    def _handle(
        self,
        request: _Request,
        template: str,
        matched: tuple[str, dict[str, str]] | None,
        options: SandboxOptions,
    ) -> _Result:
        if matched is None:
            raise ApiError(404, "not-found", f'Path "{request.path}" does not exist.', request.path)
        if request.method not in _METHODS[template]:
            raise ApiError(
                405,
                "method-not-allowed",
                f"Method {request.method} is not allowed on {template}.",
                template,
            )
        language = self._language(request, options)
        self._check_content_type(request, options)
        params = matched[1]
        if template == "/api/products":
            return self._list_products(request, options, language)
        if template == "/api/products/{guid}":
            product = self._product(params["guid"])
            return self._detail(request, product, options, language)
        if template == "/api/products/code/{code}":
            by_code = self.store.product_by_code(params["code"])
            if by_code is None:
                raise ApiError(
                    404,
                    "product-not-found",
                    f'Product with code "{params["code"]}" not found.',
                    params["code"],
                )
            return self._detail(request, by_code, options, language)
        if template == "/api/eshop":
            return self._eshop(request, options, language)
        product = self._product(params["guid"])
        gallery = params["gallery"]
        if gallery not in GALLERIES:
            raise ApiError(
                options.unknown_gallery_status,
                "gallery-not-found",
                f'Gallery "{gallery}" does not exist; use "shop" or "shop360".',
                gallery,
            )
        if request.method == "GET":
            images = self.store.images(product, [gallery], options, language)
            return _Result(200, {"images": images}, images=len(images))
        return self._patch(request, product, gallery, options, language)

    # --- handlers ----------------------------------------------------------------------------
    def _product(self, guid: str) -> ProductRecord:
        product = self.store.product(guid)
        if product is None:
            raise ApiError(404, "product-not-found", f'Product "{guid}" not found.', guid)
        return product

    @staticmethod
    def _language(request: _Request, options: SandboxOptions) -> str:
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

    @staticmethod
    def _check_content_type(request: _Request, options: SandboxOptions) -> None:
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

    @staticmethod
    def _int_param(request: _Request, name: str, default: int, low: int, high: int) -> int:
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

    def _list_products(self, request: _Request, options: SandboxOptions, language: str) -> _Result:
        page = self._int_param(request, "page", 1, 1, 1_000_000)
        per_page = self._int_param(request, "itemsPerPage", 20, 1, options.max_items_per_page)
        include = _include(request)
        products = list(self.store.all_products())
        guids = request.param("productGuids")
        if guids is not None:
            wanted = [g for g in (part.strip() for part in guids.split(",")) if g]
            if not wanted:
                raise ApiError(
                    400,
                    "missing-parameter",
                    'Missing value for parameter "productGuids".',
                    "productGuids",
                )
            if len(wanted) > _MAX_GUIDS:
                raise ApiError(
                    400,
                    "invalid-parameter",
                    f'Invalid "productGuids" parameter. Expected max. {_MAX_GUIDS} '
                    f"elements, but {len(wanted)} given.",
                    "productGuids",
                )
            # As documented: with productGuids no other filter applies.
            chosen = set(wanted)
            products = [p for p in products if p.guid in chosen]
        else:
            visibility = request.param("visibility")
            if visibility:
                products = [p for p in products if p.visibility == visibility]
            for name, attr, is_from in (
                ("changeTimeFrom", "change_time", True),
                ("changeTimeTo", "change_time", False),
                ("creationTimeFrom", "creation_time", True),
                ("creationTimeTo", "creation_time", False),
            ):
                raw = request.param(name)
                if raw is None:
                    continue
                try:
                    limit = clock.parse_query_time(raw)
                except ValueError:
                    raise ApiError(
                        400,
                        "invalid-parameter",
                        f'Invalid "{name}" parameter "{raw}". Expected a date and '
                        "time such as 2024-01-01T00:00:00+0100.",
                        name,
                    ) from None
                products = [
                    p
                    for p in products
                    if (getattr(p, attr) >= limit if is_from else getattr(p, attr) <= limit)
                ]
        total = len(products)
        chunk = products[(page - 1) * per_page : page * per_page]
        items, images = [], 0
        for product in chunk:
            item = self._summary(request, product)
            if "images" in include:
                item["mainImage"] = self.store.main_image(product, options, language)
                images += item["mainImage"] is not None
            items.append(item)
        paginator = {
            "totalCount": total,
            "page": page,
            "pageCount": -(-total // per_page),
            "itemsOnPage": len(items),
            "itemsPerPage": per_page,
        }
        return _Result(200, {"products": items, "paginator": paginator}, images=images)

    def _summary(self, request: _Request, product: ProductRecord) -> dict[str, Any]:
        seed = self.store.seed
        return {
            "guid": product.guid,
            "type": "product",
            "name": product.name,
            "url": f"{request.base}/{product.slug}/",
            "visibility": product.visibility,
            "creationTime": clock.format_time(product.creation_time),
            "changeTime": clock.format_time(product.change_time),
            "brand": _brand(product),
            "supplier": _supplier(seed, product),
            "defaultCategory": {
                "guid": category_guid(seed, product.category),
                "name": category_name(product.category),
                "visible": True,
            },
        }

    def _detail(
        self, request: _Request, product: ProductRecord, options: SandboxOptions, language: str
    ) -> _Result:
        data = self._summary(request, product)
        data.update(
            {
                "shortDescription": f"<p>{product.name}</p>",
                "description": f"<p>{product.name} z testovacího obchodu.</p>",
                "metaDescription": None,
                "internalNote": None,
                "hsCode": None,
                "isVariant": len(product.codes) > 1,
                "variants": [_variant(product, code) for code in product.codes],
            }
        )
        images = 0
        if "images" in _include(request):
            data["images"] = self.store.images(product, GALLERIES, options, language)
            images = len(data["images"])
        return _Result(200, data, images=images)

    def _patch(
        self,
        request: _Request,
        product: ProductRecord,
        gallery: str,
        options: SandboxOptions,
        language: str,
    ) -> _Result:
        if request.json is None and request.body.strip() not in (b"null",):
            raise ApiError(
                options.schema_error_status,
                "invalid-request-data",
                "Request body is not valid JSON.",
                "payload",
            )
        items, errors = check_patch_body(request.json)
        if errors:
            return _Result(options.schema_error_status, errors=errors)
        outcome = self.store.patch(product, gallery, items, options, language)
        if not outcome.applied and outcome.errors and options.unknown_image_policy == "reject":
            return _Result(400, errors=outcome.errors)
        self.stats.patched(f"{product.guid}/{gallery}", outcome.applied, outcome.changed)
        return _Result(
            200,
            {"images": outcome.images},
            errors=outcome.errors or None,
            images=len(items),
        )

    def _eshop(self, request: _Request, options: SandboxOptions, language: str) -> _Result:
        base = request.base
        several = len(options.languages) > 1
        settings: dict[str, Any] = {
            "vatPayer": True,
            "cashDeskOnly": False,
            "trackStockClaims": False,
            "maxProductAmount": 9999,
            "maxEmailAmount": 1000,
            "defaultPricelist": {"id": 1, "name": "Základní"},
            "timezone": "Europe/Prague",
            "dateFormat": "j.n.Y",
            "timeFormat": "H:i",
            "internals": "cz",
            "exchangeRateFlip": False,
            "negativeStockAmount": "allowed",
            "oss": False,
            "stockControlDisabled": False,
            "wholesaleSplitActive": False,
        }
        if not several:
            settings["eshopLanguage"] = options.default_language
        data: dict[str, Any] = {
            "contactInformation": {
                "eshopId": 100000 + self.store.seed % 900000,
                "eshopName": "Pískoviště shoptet_nb",
                "eshopCategory": None,
                "url": f"{base}/",
                "eshopTitle": "Pískoviště – testovací obchod",
                "eshopSubtitle": None,
                "contactPerson": "Jana Nováková",
                "email": "info@sandbox.shoptet-nb.test",
                "phone": None,
                "mobilePhone": None,
                "skypeAccount": None,
                "contactPhotoUrl": None,
            },
            "settings": settings,
            "currencies": [_CZK],
            "taxClasses": [
                {
                    "title": "Základní",
                    "rates": [{"zone": "CZ", "vatRate": "21.00"}],
                    "isDefault": True,
                }
            ],
            "activeModules": (
                [{"title": "Cizí jazyky", "name": "foreignLanguages"}] if several else []
            ),
            "urls": [{"ident": "eshop", "url": f"{base}/"}],
        }
        if several:
            data["languages"] = [
                {
                    "code": code,
                    "currencyCode": "CZK",
                    "dateFormat": "j.n.Y",
                    "timeFormat": "H:i",
                    "isVisible": True,
                    "isDefault": code == options.default_language,
                    "priority": n + 1,
                }
                for n, code in enumerate(options.languages)
            ]
        if "imageCuts" in _include(request):
            data["imageCuts"] = [
                {
                    "name": cut,
                    "width": width,
                    "height": height,
                    "urlPath": f"{base}/user/shop/{cut}/",
                    "cdnPath": f"{base}/cdn/shop/{cut}/",
                }
                for cut, width, height in options.image_cuts
            ]
        return _Result(200, data)


_CZK: dict[str, Any] = {
    "code": "CZK",
    "title": "Koruna česká",
    "isDefault": True,
    "isDefaultAdmin": True,
    "isDefaultDocuments": True,
    "isVisible": True,
    "exchangeRate": "1.00000000",
    "priority": 1,
    "display": {
        "text": "Kč",
        "location": "right",
        "decimalsSeparator": ",",
        "thousandsSeparator": " ",
    },
    "priceDecimalPlaces": 2,
    "documentPriceDecimalPlaces": 2,
    "rounding": "none",
    "minimalOrderValue": None,
    "bankAccount": {"accountNumber": None, "iban": None, "bic": None, "ownerName": None},
}


def _include(request: _Request) -> set[str]:
    return {part.strip() for part in (request.param("include") or "").split(",") if part.strip()}


def _error(status: int, code: str, message: str, instance: str) -> _Result:
    return _Result(status, errors=[{"errorCode": code, "message": message, "instance": instance}])


def _locked() -> _Result:
    return _error(
        423,
        "locked",
        "The same request to this URL is still being processed. Retry later.",
        "request",
    )


def _status_fault(kind: str) -> _Result:
    if kind == "500":
        return _error(500, "unknown-error", "Unknown error (injected by the sandbox).", "server")
    if kind == "503":
        return _error(
            503,
            "maintenance",
            "The e-shop is under maintenance (injected by the sandbox).",
            "server",
        )
    if kind == "423":
        return _locked()
    result = _error(
        429, "too-many-requests", "Rate limit exceeded (injected by the sandbox).", "token"
    )
    result.headers.append(("Retry-After", clock.http_date_after(0.0)))
    return result


def _brand(product: ProductRecord) -> dict[str, str] | None:
    if product.brand is None:
        return None
    return {"code": product.brand[0], "name": product.brand[1]}


def _supplier(seed: int, product: ProductRecord) -> dict[str, str] | None:
    if product.supplier is None:
        return None
    return {"guid": supplier_guid(seed, product.supplier), "name": _supplier_name(product.supplier)}


def _variant(product: ProductRecord, code: str) -> dict[str, Any]:
    price = 99 + (product.index * 37) % 900
    return {
        "code": code,
        "ean": None,
        "stock": f"{(product.index * 7) % 50}.000",
        "unit": "ks",
        "weight": "0.500",
        "width": "10.0",
        "height": "5.0",
        "depth": "2.0",
        "visible": True,
        "price": f"{price}.00",
        "commonPrice": None,
        "manufacturerCode": None,
        "pluCode": None,
        "isbn": None,
        "serialNo": None,
        "mpn": None,
        "includingVat": True,
        "vatRate": "21.00",
        "currencyCode": "CZK",
        "minStockSupply": None,
        "actionPrice": None,
        "amountDecimalPlaces": 0,
        "negativeStockAllowed": "no-global",
        "image": None,
        "isProductDefaultImage": True,
        "name": None,
    }
