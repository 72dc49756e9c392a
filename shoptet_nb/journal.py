"""The apply journal: the before and after of every image an apply touches, as JSON lines.

Each PATCH call writes an ``intent`` line before it is sent (the values before, and the values
it will set) and a ``result`` line when it is answered (the values the server then showed), or a
``failed`` line (the call failed, or an interrupt stopped it before it left). ``revert`` reads
these lines back. After an interrupt the file stays open until the last call still in flight
has written its answer, so it lists every gallery that may have changed. Files live in
``$SHOPTET_NB_JOURNAL_DIR`` or, by default, ``~/.shoptet_nb/journal/``, one file per apply named
``apply-<UTC time>-<id>.jsonl``. A sandbox shop's applies go to a temporary folder of the process
instead (unless ``$SHOPTET_NB_JOURNAL_DIR`` is set): the sandbox lives only as long as the
process, so its journals are no use after it, and trying the notebooks leaves no files behind.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

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
    """Where an apply's journal goes when its call names no file: ``$SHOPTET_NB_JOURNAL_DIR``,
    else a temporary folder for a sandbox shop, else ``~/.shoptet_nb/journal``."""
    configured = os.environ.get(JOURNAL_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    if sandbox:
        return _sandbox_journal_dir()
    return Path.home() / ".shoptet_nb" / "journal"


def new_journal_path(*, sandbox: bool = False) -> Path:
    """A new journal file's path in :func:`default_journal_dir`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = default_journal_dir(sandbox=sandbox)
    return folder / f"apply-{stamp}-{secrets.token_hex(3)}.jsonl"


class Journal:
    """Appends entries to a JSON-lines file (or only to memory when ``path`` is None).

    Every line is flushed as it is written, so a process that dies mid-run leaves a journal
    that says what was sent and what was confirmed.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def write(self, entry: dict[str, Any]) -> None:
        entry = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **entry}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.entries.append(entry)
            if self._file is not None:
                self._file.write(line)
                self._file.flush()
            elif self.path is not None:
                # Written after close(): still on disk, never only in memory (an undo needs it).
                with self.path.open("a", encoding="utf-8") as late:
                    late.write(line)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def read_journal(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The entries of a journal file; a last line cut short by a crash is skipped."""
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
