"""The archive of a delete: each photo's original file, kept before it is deleted.

The folder lies next to the delete's journal (``delete-<time>-<id>.jsonl`` →
``delete-<time>-<id>.archive/``), one file per photo at ``<guid>/<gallery>/<name>`` with a
``<name>.json`` beside it (captions in every language, priority, variant references, sha256),
so the folder alone says what was deleted even without the journal. The bytes are the ``orig``
cut, read without the token (:meth:`ShoptetClient.read_file`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..client import ShoptetClient
from ..errors import ShoptetError
from .journal import Archived, default_journal_dir


class ArchiveError(ShoptetError):
    """A photo's original could not be read or kept: it is not deleted."""


@dataclass(frozen=True)
class KeptFile:
    """Where a photo's original was kept, its sha256 and size."""

    path: Path
    sha256: str
    size: int


def delete_journal_path(*, sandbox: bool) -> Path:
    """A fresh journal file name for a delete, in the journal folder."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return default_journal_dir(sandbox=sandbox) / f"delete-{stamp}-{secrets.token_hex(3)}.jsonl"


def archive_dir_for(journal: Path) -> Path:
    """The archive folder that goes with a journal file."""
    return journal.with_suffix(".archive")


def original_url(client: ShoptetClient, gallery: str, name: str) -> str:
    """The URL of a photo's original file (the shop's ``orig`` cut)."""
    url = client.image_url(name, "orig")
    if url is None:
        raise ArchiveError("the shop lists no 'orig' image cut: the original cannot be archived")
    if gallery != "shop":
        url = url.replace("/shop/", f"/{gallery}/", 1)
    return url


def keep_original(
    client: ShoptetClient, folder: Path, guid: str, gallery: str, name: str
) -> KeptFile:
    """Download a photo's original and write it into the archive; its path, sha256 and size."""
    url = original_url(client, gallery, name)
    try:
        content = client.read_file(url).content
    except ShoptetError as exc:
        raise ArchiveError(f"could not read the original ({exc})") from exc
    if not content:
        raise ArchiveError("the original file is empty")
    target = folder / _safe(guid) / gallery / _safe(name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as exc:
        raise ArchiveError(f"could not write {target} ({exc})") from exc
    return KeptFile(target, hashlib.sha256(content).hexdigest(), len(content))


def write_sidecar(entry: Archived) -> None:
    """The photo's metadata as JSON next to its file (the archive readable on its own)."""
    if entry.file is None:
        return
    data: dict[str, Any] = {"guid": entry.guid, "gallery": entry.gallery, **entry.fields()}
    Path(entry.file + ".json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def archived_bytes(entry: Archived) -> bytes:
    """The archived original of ``entry``, checked against its sha256."""
    if entry.file is None:
        raise ArchiveError("the journal names no archived file for this photo")
    try:
        content = Path(entry.file).read_bytes()
    except OSError as exc:
        raise ArchiveError(f"cannot read the archived file {entry.file} ({exc})") from exc
    if hashlib.sha256(content).hexdigest() != entry.sha256:
        raise ArchiveError(f"the archived file {entry.file} no longer matches its sha256")
    return content


def _safe(part: str) -> str:
    """A path segment that cannot climb out of the archive (names come from the shop)."""
    cleaned = part.replace("/", "_").replace("\\", "_")
    return "_" + cleaned if cleaned in ("", ".", "..") else cleaned
