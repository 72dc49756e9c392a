"""The entries of deleting photos (``delete_images``) and of restoring them from the archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .entry import PlainEntry


@dataclass(frozen=True)
class Archived(PlainEntry):
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
class Deleted(PlainEntry):
    """A photo's DELETE was answered 200 (``already_gone`` False), or the photo was gone when
    it arrived (404: an earlier attempt whose answer was lost, or someone else)."""

    EVENT: ClassVar[str] = "deleted"
    name: Any = None
    request_id: str | None = None
    references_removed: tuple[str, ...] = ()
    already_gone: bool = False


@dataclass(frozen=True)
class Restored(PlainEntry):
    """A deleted photo added again from its archive: Shoptet named the new one ``new_name``;
    ``sha256`` is the file re-added (the archived original's, or its PNG's for a WebP one)."""

    EVENT: ClassVar[str] = "restored"
    name: Any = None
    new_name: Any = None
    sha256: str | None = None
