"""Job result files: gzip-compressed JSON Lines, and the URL they are served from.

A real shop serves ``resultUrl`` from its own domain (``https://eshop.domain.com/api-results/
<file>``), not from the API host, and the link needs no token. The sandbox does the same under
``/api-results/<file>`` on a host name other than the one the API was called on: in-process
``files.<api host>`` (``http://files.sandbox.shoptet-nb.test``), over loopback the other name of
the loopback address (``127.0.0.1`` ↔ ``localhost``), so a client that sends its token only to
the API host sends none with the download. Any other host (a name the sandbox cannot know
resolves with a prefix) keeps its name: there only the path differs.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: Path prefix of result files, as on a real shop's domain.
RESULTS_PATH = "/api-results/"

_LOOPBACK_TWINS = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}
_LINES_PER_WRITE = 200


def files_base(api_base: str) -> str:
    """Where result files of a shop called at ``api_base`` are served from.

    >>> files_base("http://sandbox.shoptet-nb.test")
    'http://files.sandbox.shoptet-nb.test'
    >>> files_base("http://127.0.0.1:8765")
    'http://localhost:8765'
    >>> files_base("http://sandbox.internal:8765")
    'http://sandbox.internal:8765'
    """
    parts = urlsplit(api_base)
    host = parts.hostname or ""
    twin = _LOOPBACK_TWINS.get(host)
    if twin is None:
        # ``.test`` is reserved (RFC 2606): only the in-process sandbox's names end so, and
        # nothing resolves them, so a prefixed one is as reachable as the original.
        twin = f"files.{host}" if host.endswith(".test") else host
    netloc = twin if parts.port is None else f"{twin}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def gzip_json_lines(records: Iterable[dict[str, Any]]) -> bytes:
    """The records as gzip-compressed JSON Lines (one compact JSON object per line).

    Records are encoded and compressed as they come, so only the compressed file is ever whole
    in memory (a few MB for a 10,000-product shop).

    >>> gzip.decompress(gzip_json_lines([{"a": 1}, {"b": "č"}])).decode()
    '{"a":1}\\n{"b":"č"}\\n'
    """
    buffer = io.BytesIO()
    # mtime=0: the same shop state gives the same bytes; level 1: a 10,000-product file is
    # written in seconds (the level does not change what a reader sees).
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as packed:
        batch: list[str] = []
        for record in records:
            batch.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            if len(batch) >= _LINES_PER_WRITE:
                packed.write(("\n".join(batch) + "\n").encode("utf-8"))
                batch = []
        if batch:
            packed.write(("\n".join(batch) + "\n").encode("utf-8"))
    return buffer.getvalue()


def truncate(packed: bytes) -> bytes:
    """A gzip file cut short: its first half, never its end-of-stream trailer."""
    return packed[: max(1, min(len(packed) // 2, len(packed) - 9))]
