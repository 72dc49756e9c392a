"""Files outside the API (images, a job's result), read with the client but never its token.

The token goes only to the API's own host (see ``_TokenAuth`` in
:mod:`shoptet_nb.http_client`); these requests pass ``auth=None`` on top, so no redirect or
shared host can carry it. They cost no bucket drops, and are retried as API calls are.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpx

from . import _retry
from ._limits import Cancelled
from ._thread_map import current_stop
from .errors import APIError, NetworkError
from .http_client import MAX_FILE_REDIRECTS, HttpClient


class FileDownloads(HttpClient):
    """The file methods of :class:`~shoptet_nb.api_client.ApiClient` (see there)."""

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
