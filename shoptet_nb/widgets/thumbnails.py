"""Thumbnails of shop photos for the widgets: the smallest fitting image cut, inlined as
``data:`` URIs where the browser cannot reach the shop."""

from __future__ import annotations

import base64
import ipaddress
import logging
import mimetypes
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import ShoptetError

if TYPE_CHECKING:
    from ..client import ShoptetClient

log = logging.getLogger("shoptet_nb")

#: The smallest image cut at least this wide makes the thumbnail.
THUMB_MIN_WIDTH = 120
_MAGIC = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


def is_loopback_url(url: str) -> bool:
    """True for a URL on this machine (the browser of a Binder user cannot reach it)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def data_uri(content: bytes, name: str) -> str:
    """Image bytes as a ``data:`` URI (type from the bytes, else from the file name)."""
    kind = next((mime for magic, mime in _MAGIC if content.startswith(magic)), None)
    kind = kind or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


class ThumbnailSource:
    """Thumbnails of shop photos for a widget, fetched once each.

    The thumbnail is the photo in the smallest image cut at least ``THUMB_MIN_WIDTH`` wide
    (else the given fallback URL). When the browser cannot reach the shop (the in-process
    sandbox, or a shop on the kernel's loopback while the browser is elsewhere, as on Binder)
    the bytes are fetched by the kernel and sent as ``data:`` URIs.
    """

    def __init__(self, client: ShoptetClient, *, inline_all: bool) -> None:
        self._client = client
        self._inline_all = inline_all
        self._cache: dict[str, str | None] = {}
        self._cut: str | bool | None = False  # False: not chosen yet

    def sources(self, wanted: Mapping[str, tuple[str, str | None]]) -> dict[str, str]:
        """``{view id: (file name, fallback URL)}`` → ``{view id: src}`` (unreadable ones left
        out)."""
        urls: dict[str, str] = {}
        for ident, (name, fallback) in wanted.items():
            url = self._url(name, fallback)
            if url:
                urls[ident] = url
        inline = {u for u in urls.values() if self._inline_all or is_loopback_url(u)}
        missing = [u for u in inline if u not in self._cache]
        for url, outcome in self._client.map(self._client.fetch_file, missing):
            if isinstance(outcome, BaseException):
                log.debug("thumbnail %s: %s", url, outcome)
                self._cache[url] = None
            else:
                self._cache[url] = data_uri(outcome, urlsplit(url).path)
        out: dict[str, str] = {}
        for ident, url in urls.items():
            src = self._cache.get(url) if url in inline else url
            if src:
                out[ident] = src
        return out

    def _url(self, name: str, fallback: str | None) -> str | None:
        if self._cut is False:
            self._cut = None
            try:
                cuts = [c for c in self._client.image_cuts() if c.get("width")]
            except ShoptetError:
                cuts = []
            wide = sorted(
                (c for c in cuts if int(c["width"]) >= THUMB_MIN_WIDTH),
                key=lambda c: int(c["width"]),
            )
            if wide:
                self._cut = str(wide[0]["name"])
        if isinstance(self._cut, str):
            try:
                url = self._client.image_url(name, self._cut)
            except ShoptetError:
                url = None
            if url:
                return url
        return fallback
