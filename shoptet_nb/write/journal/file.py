"""The journal's file: where it goes, appending entries as they happen, reading it back."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from .entry import Entry, JsonEntry

JOURNAL_DIR_ENV = "SHOPTET_NB_JOURNAL_DIR"

#: The sandbox's journal folder, made on first use and removed when the process ends.
_sandbox_dir: tempfile.TemporaryDirectory[str] | None = None
_sandbox_dir_lock = threading.Lock()


def _sandbox_journal_dir() -> Path:
    global _sandbox_dir
    with _sandbox_dir_lock:
        if _sandbox_dir is None:
            _sandbox_dir = tempfile.TemporaryDirectory(prefix="shoptet_nb-sandbox-journal-")
        return Path(_sandbox_dir.name)


def default_journal_dir(*, sandbox: bool = False) -> Path:
    """Where a write's journal goes when its call names no file: ``$SHOPTET_NB_JOURNAL_DIR``,
    else a temporary folder for a sandbox shop, else ``~/.shoptet_nb/journal``."""
    configured = os.environ.get(JOURNAL_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    if sandbox:
        return _sandbox_journal_dir()
    return Path.home() / ".shoptet_nb" / "journal"


def new_journal_path(*, sandbox: bool = False) -> Path:
    """A fresh file name in :func:`default_journal_dir` (UTC time and a random suffix)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = default_journal_dir(sandbox=sandbox)
    return folder / f"apply-{stamp}-{secrets.token_hex(3)}.jsonl"


def journal_file(journal: str | os.PathLike[str] | bool | None, *, sandbox: bool) -> Path | None:
    """The file a write's ``journal=`` names: None or True → a new file in
    :func:`default_journal_dir`, False → none (memory only), else that path."""
    if journal is None or journal is True:
        return new_journal_path(sandbox=sandbox)
    if journal is False:
        return None
    return Path(journal)


class Journal:
    """Appends entries to a JSON-lines file (or only to memory when ``path`` is None).

    Every line is flushed as it is written, so a process that dies mid-run leaves a journal
    that says what was sent and what was confirmed.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[JsonEntry] = []
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def write(self, entry: Entry | JsonEntry) -> None:
        """Stamp ``entry`` with the time and append it (to the file and to :attr:`entries`)."""
        data = entry.encode() if isinstance(entry, Entry) else entry
        data = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **data}
        # Only a file needs the line; a journal in memory (journal=False) keeps the object.
        line = None if self.path is None else json.dumps(data, ensure_ascii=False) + "\n"
        with self._lock:
            self.entries.append(data)
            if line is None:
                return
            if self._file is not None:
                self._file.write(line)
                self._file.flush()
            elif self.path is not None:
                # Written after close(): still on disk, never only in memory (an undo needs it).
                with self.path.open("a", encoding="utf-8") as late:
                    late.write(line)

    def close(self) -> None:
        """Close the file; a later :meth:`write` still reaches it (opened for that line)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def read_journal(path: str | os.PathLike[str]) -> list[JsonEntry]:
    """The entries of a journal file as JSON objects; a last line cut short by a crash is
    skipped. :func:`decode_entries` makes them typed."""
    entries = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries
