"""What the editing model hands out: a user action on the undo stack, a save's outcome on a
photo. Apart from the model so that its parts (:mod:`.photo_edits`) share them without a
circle."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SAVED_STATUSES", "Action", "Key", "Outcome"]

#: A gallery: (product guid, gallery name).
Key = tuple[str, str]

#: Result statuses that mean the shop now holds the edit (a photo added, one already there,
#: one deleted: the statuses of add_images and delete_images that reached the goal).
SAVED_STATUSES = frozenset({"updated", "unchanged", "added", "skipped_duplicate", "deleted"})


@dataclass(frozen=True)
class Outcome:
    """What the last save did to one photo (a row of ``Result.rows``)."""

    status: str
    message: str | None = None
    http_status: int | None = None
    error_code: str | None = None

    @property
    def ok(self) -> bool:
        """True when the shop now holds what was sent."""
        return self.status in SAVED_STATUSES


@dataclass(frozen=True)
class Action:
    """A user action on the undo stack: what :meth:`EditModel.undo` returns."""

    kind: str  # caption, order, discard, reset, keep_mine, take_theirs, add, delete ...
    label: str  # for people: "caption of back.jpg", "move of back.jpg to position 1"
    keys: tuple[Key, ...]
    names: tuple[str, ...] = ()
