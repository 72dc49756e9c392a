"""The source host: files a client stages for an image insert, and how the shop fetches them.

``createProductImages`` takes only URLs that Shoptet's servers download, so a sandbox test needs
somewhere to put bytes that both the client (planning: is this photo already in the gallery?)
and the shop (running the insert job) can fetch. :meth:`SandboxShop.stage` puts bytes here and
returns their URL, ``<base>/sandbox-sources/<sha256 prefix>-<n>.<ext>``; the host serves them
outside the API (no auth, no limits, no faults), counted under ``sources`` in the stats. The
shop fetches its sources in-process (the sandbox makes no outbound requests): a URL not staged
here is a 404 for it, as a real shop meets a dead link.

A staged file can misbehave on purpose (``behaviour``), for the cases Shoptet's docs leave
open: ``missing`` (404), ``html`` (200 with an HTML page, as a CDN's error page or a login
wall), ``slow`` (answers after ``SandboxOptions.slow_source_s``; the shop's own fetch gives up
after ``source_timeout_s``). Too large (``max_source_bytes``) and WebP (``insert_webp``) are
switches of the shop, not of the file.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass

from .options import SandboxOptions

#: Path prefix of staged files on any host the sandbox answers.
SOURCES_PATH = "/sandbox-sources/"
#: Host name of the in-process source host (``.test``: nothing outside resolves it).
SOURCES_BASE = "http://sources.sandbox.shoptet-nb.test"
BEHAVIOURS = ("ok", "missing", "html", "slow")
_HTML = b"<!doctype html><html><body><h1>Please log in</h1></body></html>"
# The sandbox's own signatures (it shares no parsing code with the client it judges).
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)


def media_type(data: bytes) -> tuple[str, str] | None:
    """``(media type, extension)`` of image bytes by their signature, or None.

    >>> media_type(b"\\x89PNG\\r\\n\\x1a\\n....")
    ('image/png', '.png')
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return next(((kind, ext) for magic, kind, ext in _SIGNATURES if data.startswith(magic)), None)


@dataclass(frozen=True)
class Staged:
    """One staged file and how its host answers."""

    data: bytes
    behaviour: str


@dataclass(frozen=True)
class Fetched:
    """What the shop's fetch of a source got: the bytes, or an error code and message."""

    data: bytes | None = None
    error_code: str | None = None
    message: str | None = None


class SourceHost:
    """Staged files by file name (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Staged] = {}
        self._numbers = itertools.count(1)

    def stage(self, data: bytes, behaviour: str = "ok", base: str = SOURCES_BASE) -> str:
        """Keep ``data`` and return its URL. Each call gives a new URL, even for equal bytes
        (two suppliers' links to one photo)."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {BEHAVIOURS}, got {behaviour!r}")
        if not isinstance(data, bytes | bytearray):
            raise TypeError("stage() takes the file's bytes")
        kind = media_type(bytes(data))
        ext = kind[1] if kind else ".bin"
        with self._lock:
            name = f"{hashlib.sha256(data).hexdigest()[:12]}-{next(self._numbers)}{ext}"
            self._files[name] = Staged(bytes(data), behaviour)
        return f"{base.rstrip('/')}{SOURCES_PATH}{name}"

    def get(self, file_name: str) -> Staged | None:
        """The staged file, or None."""
        with self._lock:
            return self._files.get(file_name)

    def serve(self, path: str, options: SandboxOptions) -> tuple[int, str, bytes]:
        """``(status, content type, body)`` of a GET of ``path`` on the source host."""
        staged = self.get(path[len(SOURCES_PATH) :])
        if staged is None or staged.behaviour == "missing":
            return 404, "text/plain", b"not found"
        if staged.behaviour == "html":
            return 200, "text/html; charset=utf-8", _HTML
        if staged.behaviour == "slow":
            time.sleep(options.slow_source_s)
        kind = media_type(staged.data)
        return 200, kind[0] if kind else "application/octet-stream", staged.data

    def fetch(self, url: str, options: SandboxOptions) -> Fetched:
        """The shop's own download of a ``sourceUrl`` (in-process), judged as Shoptet would."""
        _, _, tail = url.partition(SOURCES_PATH)
        staged = self.get(tail) if tail else None
        if staged is None or staged.behaviour == "missing":
            return Fetched(error_code="file-not-found", message=f'File with URL "{url}" not found.')
        if staged.behaviour == "slow" and options.slow_source_s > options.source_timeout_s:
            return Fetched(
                error_code="file-upload-error",
                message=f'File upload failed: "{url}" did not answer within '
                f"{options.source_timeout_s:g} s.",
            )
        data = _HTML if staged.behaviour == "html" else staged.data
        kind = media_type(data)
        if kind is None or (kind[0] == "image/webp" and options.insert_webp == "reject"):
            return Fetched(error_code="file-upload-invalid-type", message="Unsupported filetype.")
        limit = options.max_source_bytes
        if limit is not None and len(data) > limit:
            return Fetched(
                error_code="file-upload-size-limit",
                message=f"Uploaded file size limit exceeded. Limit is {limit} bytes.",
            )
        return Fetched(data=data)
