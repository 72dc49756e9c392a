"""The entries of adding photos (``add_images``), and of a revert deleting them again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .entry import Entry, JsonEntry, PlainEntry, gallery_of


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
        return cls(*gallery_of(data), time=data.get("time"), photos=photos,
                   post=data.get("post"), before=tuple(data.get("before") or ()),
                   jobs_before=tuple(data.get("jobs_before") or ()))  # fmt: skip


@dataclass(frozen=True)
class AddQueued(PlainEntry):
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
        return cls(*gallery_of(data), time=data.get("time"), job_id=data.get("job_id"),
                   photos=photos, post=data.get("post"))  # fmt: skip


@dataclass(frozen=True)
class Removed(PlainEntry):
    """Photos a revert of an add deleted (one DELETE each)."""

    EVENT: ClassVar[str] = "removed"
    names: tuple[str, ...] = ()
