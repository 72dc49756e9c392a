"""Photos added through the API: their bytes, their names, and how many times each is shown.

A catalogue photo's file is computed from its name (``photos``); an added photo's file is the
bytes the shop fetched from its ``sourceUrl``, kept here by file name and served as every cut
(the original exactly as fetched, so its sha256 is the source's).

Naming (decision A2, from real Shoptet URLs): ``<product number>-<n>.<ext>``, ``n`` counting
up from 2 per product and never reused, the extension from the file's content, not its URL.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

#: First ``n`` of a product's added photos (``<number>.<ext>`` is a product's first photo).
_FIRST_N = 2


@dataclass(frozen=True)
class Upload:
    """One added photo's file and where it was added."""

    guid: str
    gallery: str
    data: bytes
    media_type: str
    sha256: str


class Uploads:
    """Added photos by file name (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Upload] = {}
        self._next: dict[int, int] = {}

    def name(self, product_number: int, ext: str, taken: set[str]) -> str:
        """A new file name for a photo of product ``product_number`` (1-based)."""
        with self._lock:
            n = self._next.get(product_number, _FIRST_N)
            while f"{product_number}-{n}{ext}" in taken or f"{product_number}-{n}{ext}" in (
                self._files
            ):
                n += 1
            self._next[product_number] = n + 1
            return f"{product_number}-{n}{ext}"

    def add(self, name: str, guid: str, gallery: str, data: bytes, media_type: str) -> None:
        """Keep an added photo's file."""
        upload = Upload(guid, gallery, data, media_type, hashlib.sha256(data).hexdigest())
        with self._lock:
            self._files[name] = upload

    def get(self, name: str) -> Upload | None:
        """The added photo of this file name, or None (a catalogue photo, or unknown)."""
        with self._lock:
            return self._files.get(name)

    def per_hash(self, shown: Callable[[Upload, str], bool]) -> dict[str, int]:
        """``{"guid/gallery/sha256": photos}`` over the added photos still in their gallery
        (``shown(upload, name)``): a count above 1 is a duplicate in that gallery."""
        with self._lock:
            files = list(self._files.items())
        counts: Counter[str] = Counter(
            f"{upload.guid}/{upload.gallery}/{upload.sha256}"
            for name, upload in files
            if shown(upload, name)
        )
        return dict(sorted(counts.items()))
