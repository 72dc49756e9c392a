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


@dataclass(frozen=True)
class ConfirmedImage:
    """One image of a :class:`Confirmed`: its state as the server showed it after the call."""

    name: Any
    after: ImageState | None


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
            *gallery_of(data),
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
            *gallery_of(data),
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
            *gallery_of(data),
            time=data.get("time"),
            message=data.get("message"),
            names=tuple(data.get("names") or ()),
        )
