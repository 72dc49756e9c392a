"""The entries of a PATCH of priorities and captions (``apply``): :class:`Intent` before the
call, :class:`Confirmed` or :class:`Failed` after it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .entry import Entry, JsonEntry, gallery_of


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

    def encode(self) -> JsonEntry:
        before = None if self.before is None else self.before.encode()
        return {"name": self.name, "before": before, "set": self.set}

    @classmethod
    def decode(cls, data: dict[str, Any]) -> IntentImage:
        return cls(data["name"], ImageState.decode(data.get("before")), data.get("set") or {})


@dataclass(frozen=True)
class ConfirmedImage:
    """One image of a :class:`Confirmed`: its state as the server showed it after the call."""

    name: Any
    after: ImageState | None

    def encode(self) -> JsonEntry:
        return {"name": self.name, "after": None if self.after is None else self.after.encode()}

    @classmethod
    def decode(cls, data: dict[str, Any]) -> ConfirmedImage:
        return cls(data["name"], ImageState.decode(data.get("after")))


@dataclass(frozen=True)
class Intent(Entry):
    """A call about to be sent: written before it leaves, so the journal never misses one."""

    EVENT: ClassVar[str] = "intent"
    product_name: Any = None
    images: tuple[IntentImage, ...] = ()

    def fields(self) -> JsonEntry:
        return {
            "product_name": self.product_name,
            "images": [image.encode() for image in self.images],
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Intent:
        return cls(
            *gallery_of(data),
            time=data.get("time"),
            product_name=data.get("product_name"),
            images=tuple(map(IntentImage.decode, data.get("images") or [])),
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
            "images": [image.encode() for image in self.images],
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Confirmed:
        return cls(
            *gallery_of(data),
            time=data.get("time"),
            request_id=data.get("request_id"),
            images=tuple(map(ConfirmedImage.decode, data.get("images") or [])),
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
            *gallery_of(data),
            time=data.get("time"),
            message=data.get("message"),
            names=tuple(data.get("names") or ()),
        )
