"""The write journal: the before and after of every image a write touches, as JSON lines.

Each PATCH call writes an :class:`Intent` line before it is sent (the values before, and the
values it will set) and a :class:`Confirmed` line when it is answered (the values the server then
showed), or a :class:`Failed` line (the call failed, or an interrupt stopped it before it left).
``revert`` reads these lines back. After an interrupt the file stays open until the last call
still in flight has written its answer, so it lists every gallery that may have changed. Files
live in ``$SHOPTET_NB_JOURNAL_DIR`` or, by default, ``~/.shoptet_nb/journal/``, one file per apply
named ``apply-<UTC time>-<id>.jsonl``. A sandbox shop's writes go to a temporary folder of the
process instead (unless ``$SHOPTET_NB_JOURNAL_DIR`` is set): the sandbox lives only as long as the
process, so its journals are no use after it, and trying the notebooks leaves no files behind.

The schema lives here and nowhere else: writers build an entry class and hand it to
:meth:`Journal.write` (the one encoder); readers turn lines back into entries with
:func:`decode_entry` (the one decoder). A new kind of write (adding or deleting photos) adds an
entry class with its own ``EVENT`` and registers it in :data:`ENTRY_TYPES`; readers that do not
know it skip it, as they skip lines a crash cut short.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, ClassVar

JOURNAL_DIR_ENV = "SHOPTET_NB_JOURNAL_DIR"

#: One JSON line of a journal, as written and as ``read_journal`` / ``Result.journal_entries``
#: give it back.
JsonEntry = dict[str, Any]


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


# -- the schema -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageState:
    """An image's editable values and change time, as the journal keeps a 'before' or 'after'."""

    priority: Any = None
    description: Any = None
    change_time: Any = None

    @classmethod
    def of_record(cls, record: dict[str, Any]) -> ImageState:
        """The state a server record (``priority``, ``description``, ``changeTime``) shows."""
        return cls(record.get("priority"), record.get("description"), record.get("changeTime"))

    def encode(self) -> JsonEntry:
        return {
            "priority": self.priority,
            "description": self.description,
            "changeTime": self.change_time,
        }

    @classmethod
    def decode(cls, data: dict[str, Any] | None) -> ImageState | None:
        if data is None:
            return None
        return cls(data.get("priority"), data.get("description"), data.get("changeTime"))


@dataclass(frozen=True)
class IntentImage:
    """One image of an :class:`Intent`: its state before and the fields the call sets."""

    name: Any
    before: ImageState | None
    set: dict[str, Any]


@dataclass(frozen=True)
class ConfirmedImage:
    """One image of a :class:`Confirmed`: its state as the server showed it after the call."""

    name: Any
    after: ImageState | None


@dataclass(frozen=True)
class Entry:
    """What every entry has: the gallery it is about (``language`` None = the shop's default)
    and when it was written (set by :meth:`Journal.write`)."""

    EVENT: ClassVar[str] = ""
    guid: Any
    gallery: Any
    language: str | None
    time: str | None = field(default=None, kw_only=True)

    def fields(self) -> JsonEntry:
        """The entry's own fields, in the order they are written after ``time`` and ``event``."""
        raise NotImplementedError

    def encode(self) -> JsonEntry:
        """The JSON object of this entry (the line, before ``json.dumps``)."""
        head: JsonEntry = {} if self.time is None else {"time": self.time}
        return {
            **head,
            "event": self.EVENT,
            "guid": self.guid,
            "gallery": self.gallery,
            "language": self.language,
            **self.fields(),
        }


@dataclass(frozen=True)
class Intent(Entry):
    """A call about to be sent: written before it leaves, so the journal never misses one."""

    EVENT: ClassVar[str] = "intent"
    product_name: Any = None
    images: tuple[IntentImage, ...] = ()

    def fields(self) -> JsonEntry:
        return {
            "product_name": self.product_name,
            "images": [
                {
                    "name": image.name,
                    "before": None if image.before is None else image.before.encode(),
                    "set": image.set,
                }
                for image in self.images
            ],
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Intent:
        return cls(
            *_gallery_of(data),
            time=data.get("time"),
            product_name=data.get("product_name"),
            images=tuple(
                IntentImage(
                    image["name"], ImageState.decode(image.get("before")), image.get("set") or {}
                )
                for image in data.get("images") or []
            ),
        )


@dataclass(frozen=True)
class Confirmed(Entry):
    """A call's answer (or a read after a lost answer) shows these images with the new values.

    Written as event ``result`` (the name journals have always used).
    """

    EVENT: ClassVar[str] = "result"
    request_id: str | None = None
    images: tuple[ConfirmedImage, ...] = ()

    def fields(self) -> JsonEntry:
        return {
            "request_id": self.request_id,
            "images": [
                {"name": image.name, "after": None if image.after is None else image.after.encode()}
                for image in self.images
            ],
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Confirmed:
        return cls(
            *_gallery_of(data),
            time=data.get("time"),
            request_id=data.get("request_id"),
            images=tuple(
                ConfirmedImage(image["name"], ImageState.decode(image.get("after")))
                for image in data.get("images") or []
            ),
        )


@dataclass(frozen=True)
class Failed(Entry):
    """A journaled call that did not land for these images (failed, or never left)."""

    EVENT: ClassVar[str] = "failed"
    message: str | None = None
    names: tuple[Any, ...] = ()

    def fields(self) -> JsonEntry:
        return {"message": self.message, "names": list(self.names)}

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Failed:
        return cls(
            *_gallery_of(data),
            time=data.get("time"),
            message=data.get("message"),
            names=tuple(data.get("names") or ()),
        )


@dataclass(frozen=True)
class _PlainEntry(Entry):
    """An entry whose own fields are written as they are (tuples as lists), each under its
    attribute's name or the one ``KEYS`` gives it; read back the same way. ``name`` must be
    there."""

    KEYS: ClassVar[dict[str, str]] = {}

    def fields(self) -> JsonEntry:
        return {
            self.KEYS.get(f.name, f.name): _plain_json(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in _ENTRY_FIELDS
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Any:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in _ENTRY_FIELDS:
                continue
            raw = data[f.name] if f.name == "name" else data.get(cls.KEYS.get(f.name, f.name))
            if f.default == ():
                raw = tuple(raw or ())
            elif f.default_factory is dict:
                raw = dict(raw or {})
            elif f.default is False:
                raw = bool(raw)
            values[f.name] = raw
        return cls(*_gallery_of(data), time=data.get("time"), **values)


def _plain_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


@dataclass(frozen=True)
class Archived(_PlainEntry):
    """A photo about to be deleted, as kept in the archive: its original file (``file``, with
    ``sha256`` and ``size``), captions in every shop language, priority, the variants that
    showed it and whether it was the main image. Written before its DELETE is sent."""

    EVENT: ClassVar[str] = "archived"
    KEYS: ClassVar[dict[str, str]] = {"change_time": "changeTime"}
    name: Any = None
    product_name: Any = None
    file: str | None = None
    sha256: str | None = None
    size: int | None = None
    priority: Any = None
    captions: dict[str, Any] = field(default_factory=dict)
    variant_codes: tuple[str, ...] = ()
    is_main: bool = False
    change_time: Any = None


@dataclass(frozen=True)
class Deleted(_PlainEntry):
    """A photo's DELETE was answered 200 (``already_gone`` False), or the photo was gone when
    it arrived (404: an earlier attempt whose answer was lost, or someone else)."""

    EVENT: ClassVar[str] = "deleted"
    name: Any = None
    request_id: str | None = None
    references_removed: tuple[str, ...] = ()
    already_gone: bool = False


@dataclass(frozen=True)
class Restored(_PlainEntry):
    """A deleted photo added again from its archive: Shoptet named the new one ``new_name``;
    ``sha256`` is the file re-added (the archived original's, or its PNG's for a WebP one)."""

    EVENT: ClassVar[str] = "restored"
    name: Any = None
    new_name: Any = None
    sha256: str | None = None


# -- photos added (add_images) ---------------------------------------------------------------


@dataclass(frozen=True)
class AddedPhoto:
    """One photo of an add: the input row it comes from, its source's sha256 and URL, and
    (once known) the name the shop gave it."""

    row: Any
    sha256: str
    source_url: str | None = None
    name: str | None = None

    def encode(self) -> JsonEntry:
        return {"row": self.row, "sha256": self.sha256, "source_url": self.source_url,
                "name": self.name}  # fmt: skip

    @classmethod
    def decode(cls, data: dict[str, Any]) -> AddedPhoto:
        return cls(data["row"], data["sha256"], data.get("source_url"), data.get("name"))


@dataclass(frozen=True)
class AddIntent(Entry):
    """A POST of photos about to be sent (before it leaves: a lost answer is still on file).

    Enough for a revert from this line alone, should the kernel die after the 202: ``post``
    (the id its :class:`AddQueued` and :class:`Added` repeat), the photos' content hashes,
    the gallery's photos before (``before``: a photo named there is never the add's) and the
    insert jobs the run knew of then (``jobs_before``: none of them is this POST's)."""

    EVENT: ClassVar[str] = "add_intent"
    photos: tuple[AddedPhoto, ...] = ()
    post: str | None = None
    before: tuple[str, ...] = ()
    jobs_before: tuple[str, ...] = ()

    def fields(self) -> JsonEntry:
        return {"post": self.post, "photos": [photo.encode() for photo in self.photos],
                "before": list(self.before), "jobs_before": list(self.jobs_before)}  # fmt: skip

    @classmethod
    def decode(cls, data: dict[str, Any]) -> AddIntent:
        photos = tuple(AddedPhoto.decode(p) for p in data.get("photos") or [])
        return cls(*_gallery_of(data), time=data.get("time"), photos=photos,
                   post=data.get("post"), before=tuple(data.get("before") or ()),
                   jobs_before=tuple(data.get("jobs_before") or ()))  # fmt: skip


@dataclass(frozen=True)
class AddQueued(_PlainEntry):
    """The shop queued the POST's job (from its answer, or found in the job list); written
    as soon as the job id is known."""

    EVENT: ClassVar[str] = "add_job"
    job_id: str = ""
    post: str | None = None


@dataclass(frozen=True)
class Added(Entry):
    """Photos found in the gallery after the job, with their new names: what revert deletes.
    Written once the POST ``post`` is settled, with no photos when none was added."""

    EVENT: ClassVar[str] = "added"
    job_id: str | None = None
    photos: tuple[AddedPhoto, ...] = ()
    post: str | None = None

    def fields(self) -> JsonEntry:
        return {"job_id": self.job_id, "post": self.post,
                "photos": [photo.encode() for photo in self.photos]}  # fmt: skip

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Added:
        photos = tuple(AddedPhoto.decode(p) for p in data.get("photos") or [])
        return cls(*_gallery_of(data), time=data.get("time"), job_id=data.get("job_id"),
                   photos=photos, post=data.get("post"))  # fmt: skip


@dataclass(frozen=True)
class Removed(_PlainEntry):
    """Photos a revert of an add deleted (one DELETE each)."""

    EVENT: ClassVar[str] = "removed"
    names: tuple[str, ...] = ()


def _gallery_of(data: dict[str, Any]) -> tuple[Any, Any, str | None]:
    """The gallery every entry names: guid, gallery and language (KeyError when missing)."""
    return data["guid"], data["gallery"], data.get("language")


_ENTRY_FIELDS = frozenset(f.name for f in dataclasses.fields(Entry))

#: Entry classes by the ``event`` they write: the decoder's table (new writers add theirs).
ENTRY_TYPES: dict[str, Any] = {
    kind.EVENT: kind
    for kind in (
        *(Intent, Confirmed, Failed),
        *(Archived, Deleted, Restored),
        *(AddIntent, AddQueued, Added, Removed),
    )
}


def decode_entry(data: JsonEntry) -> Entry | None:
    """The typed entry of one journal object; None for an event this version does not know
    or an object missing the fields every entry has."""
    kind = ENTRY_TYPES.get(str(data.get("event")))
    if kind is None:
        return None
    try:
        entry: Entry = kind.decode(data)
    except (KeyError, TypeError, AttributeError):
        return None
    return entry


def decode_entries(entries: Iterable[JsonEntry]) -> list[Entry]:
    """The typed entries of a journal's objects, skipping those :func:`decode_entry` cannot."""
    return [entry for entry in map(decode_entry, entries) if entry is not None]


# -- the file -------------------------------------------------------------------------------


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
