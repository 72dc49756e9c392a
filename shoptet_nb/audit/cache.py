"""The audit's memory on disk: what each photo was found to be, by the photo's identity.

A photo is keyed by (where its originals live, guid, gallery, name, change_time): Shoptet moves
an image's ``changeTime`` when its file is replaced, so an unchanged key means unchanged bytes
and a second audit of an unchanged shop downloads nothing. One SQLite file (standard library,
safe against a kernel killed mid-write); only the calling thread touches it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ArgumentError

#: The file under the cache directory.
CACHE_FILE = "image-audit.sqlite"

Key = tuple[str, str, str, str, str]


def default_cache_dir() -> Path:
    """``shoptet_nb`` under the user's cache: ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux,
    ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "shoptet_nb" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "shoptet_nb"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shoptet_nb"


def resolve_cache(cache: bool | str | os.PathLike[str] | None) -> Path | None:
    """The cache directory ``audit_images(cache=...)`` means: True → the default, a path →
    that folder, False/None → no cache."""
    if cache is True:
        return default_cache_dir()
    if cache is False or cache is None:
        return None
    if isinstance(cache, (str, os.PathLike)):
        return Path(cache).expanduser()
    raise ArgumentError(f"cache must be True, False or a folder, got {cache!r}")


class FactsCache:
    """Photo facts (a JSON object each) by key, in one SQLite file."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS facts (origin TEXT, guid TEXT, gallery TEXT, name TEXT,"
            " change_time TEXT, facts TEXT, PRIMARY KEY (origin, guid, gallery, name,"
            " change_time))"
        )

    def get_many(self, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
        """The facts known for these keys (unknown keys are absent)."""
        found: dict[Key, dict[str, Any]] = {}
        query = (
            "SELECT facts FROM facts WHERE origin=? AND guid=? AND gallery=? AND name=?"
            " AND change_time=?"
        )
        for key in keys:
            row = self._db.execute(query, key).fetchone()
            if row is not None:
                found[key] = json.loads(row[0])
        return found

    def put_many(self, items: Mapping[Key, Mapping[str, Any]]) -> None:
        """Remember facts (a photo's older keys stay until :meth:`clear`; they are small)."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?)",
                [(*key, json.dumps(dict(facts))) for key, facts in items.items()],
            )

    def clear(self) -> None:
        """Forget everything."""
        with self._db:
            self._db.execute("DELETE FROM facts")

    def close(self) -> None:
        self._db.close()
