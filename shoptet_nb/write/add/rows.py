"""The rows of an ``add_images`` frame, checked before anything is sent (pure, no HTTP).

Columns: ``guid``; ``gallery`` (``shop`` when absent); ``source_url`` (a public http(s) URL
Shoptet's servers download) or ``path`` (a local file, only with ``stage=``); optional
``description``, ``language``, ``position`` (1-based place in the gallery after the add) or
``priority`` (sent as is: the order is then yours, ties included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from ...errors import FrameError

GALLERIES = ("shop", "shop360")
MAX_URL = 2000
MIN_PRIORITY, MAX_PRIORITY = 1, 65535
_KNOWN = {"guid", "gallery", "source_url", "path", "description", "language", "position",
          "priority"}  # fmt: skip
STAGE_HINT = (
    "the API takes only URLs that Shoptet's servers download: pass stage= (a function that "
    "uploads bytes to your public storage and returns the URL; client.sandbox.stage in the "
    "sandbox) or give a source_url"
)


@dataclass
class AddRow:
    """One input row and what became of it (``status`` empty while it goes on)."""

    label: Any
    guid: str
    gallery: str
    source_url: str | None
    path: str | None
    description: str | None
    language: str | None
    position: int | None
    priority: int | None
    status: str = ""
    message: str | None = None
    sha256: str | None = None
    size: int | None = None
    data: bytes | None = None  # a local file's bytes, until staged
    name: str | None = None
    job_id: str | None = None
    planned_priority: int | None = None
    slot: str | None = None  # its stand-in name in the gallery's planned order
    in_order: bool | None = None

    @property
    def gallery_key(self) -> tuple[str, str]:
        """(guid, gallery)."""
        return self.guid, self.gallery

    def end(self, status: str, message: str | None = None) -> None:
        """Give the row its final status (the first one given stands)."""
        if not self.status or self.status == "would_add":
            self.status, self.message = status, message


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


def _whole(value: Any, what: str, low: int, high: int) -> tuple[int | None, str | None]:
    if _blank(value):
        return None, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"{what} must be a whole number, got {value!r}"
    if isinstance(value, float) and not value.is_integer():
        return None, f"{what} must be a whole number, got {value!r}"
    number = int(value)
    if not low <= number <= high:
        return None, f"{what} must be from {low} to {high}, got {number}"
    return number, None


#: Characters a URL cannot hold as they are (RFC 3986) that the download (httpx)
#: percent-encodes: with them the file checked would not be the URL Shoptet's servers are sent.
_NOT_IN_URLS = frozenset(' "<>`{}')


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a source Shoptet's servers download, or None."""
    bad = sorted({c for c in url if c in _NOT_IN_URLS or not c.isprintable()})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return (
            f"source_url {url[:80]!r} holds {shown}, which a URL cannot hold as is: "
            "percent-encode it (a space is %20)"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # /x.jpg, file://, C:\\
            return f"source_url {url[:80]!r} is a local file: {STAGE_HINT}"
        return f"source_url must be an http(s) URL, got {url[:80]!r}"
    if len(url) > MAX_URL:
        return f"source_url is {len(url)} characters long; Shoptet takes at most {MAX_URL}"
    return None


def check_frame(frame: pd.DataFrame) -> None:
    """Raise :class:`FrameError` when the frame cannot be read as photos to add at all."""
    if not isinstance(frame, pd.DataFrame):
        raise FrameError(f"add_images takes a DataFrame, got {type(frame).__name__}")
    if "guid" not in frame.columns:
        raise FrameError("the frame needs a guid column (the product of each photo)")
    if "source_url" not in frame.columns and "path" not in frame.columns:
        raise FrameError("the frame needs a source_url column (or path, with stage=)")
    unknown = sorted(set(map(str, frame.columns)) - _KNOWN)
    if unknown:
        raise FrameError(
            f"unknown column(s) {unknown}; add_images reads {sorted(_KNOWN)} (name comes from "
            "the shop)"
        )


def read_rows(frame: pd.DataFrame, *, staged: bool) -> list[AddRow]:
    """One :class:`AddRow` per frame row; rows that break a rule are ``invalid`` with why."""
    check_frame(frame)
    rows = []
    for label, record in zip(frame.index, frame.to_dict("records"), strict=True):
        row = AddRow(
            label=label,
            guid=_text(record.get("guid")) or "",
            gallery=_text(record.get("gallery")) or "shop",
            # Stripped here, once: the URL checked and downloaded is the URL sent.
            source_url=(_text(record.get("source_url")) or "").strip() or None,
            path=_text(record.get("path")),
            description=_text(record.get("description")),
            language=_text(record.get("language")),
            position=None,
            priority=None,
        )
        problems = []
        row.position, problem = _whole(record.get("position"), "position", 1, MAX_PRIORITY)
        problems.append(problem)
        row.priority, problem = _whole(
            record.get("priority"), "priority", MIN_PRIORITY, MAX_PRIORITY
        )
        problems.append(problem)
        if row.position is not None and row.priority is not None:
            problems.append("give position or priority, not both (position places the photo, "
                            "priority is sent as is)")  # fmt: skip
        if not row.guid.strip():
            problems.append("guid is empty")
        if row.gallery not in GALLERIES:
            problems.append(f"gallery must be 'shop' or 'shop360', got {row.gallery!r}")
        problems.append(_source_problem(row, staged))
        found = [p for p in problems if p]
        if found:
            row.end("invalid", "; ".join(found))
        rows.append(row)
    return rows


def _source_problem(row: AddRow, staged: bool) -> str | None:
    if row.source_url and row.path:
        return "give source_url or path, not both"
    if row.source_url:
        return url_problem(row.source_url)
    if not row.path:
        return "no source: give source_url (or path, with stage=)"
    if not staged:
        return f"path {row.path[:80]!r} is a local file: {STAGE_HINT}"
    if not Path(row.path).expanduser().is_file():
        return f"path {row.path[:80]!r} is not a file"
    return None
