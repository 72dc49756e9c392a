"""What every journal entry has, and the plain entries that write their fields as they are."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: One JSON line of a journal, as written and as ``read_journal`` / ``Result.journal_entries``
#: give it back.
JsonEntry = dict[str, Any]


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
class PlainEntry(Entry):
    """An entry whose own fields are written as they are (tuples as lists), each under its
    attribute's name or the one ``KEYS`` gives it; read back the same way. ``name`` must be
    there."""

    KEYS: ClassVar[dict[str, str]] = {}

    def fields(self) -> JsonEntry:
        return {
            self.KEYS.get(f.name, f.name): _plain_json(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in ENTRY_FIELDS
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Any:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in ENTRY_FIELDS:
                continue
            raw = data[f.name] if f.name == "name" else data.get(cls.KEYS.get(f.name, f.name))
            if f.default == ():
                raw = tuple(raw or ())
            elif f.default_factory is dict:
                raw = dict(raw or {})
            elif f.default is False:
                raw = bool(raw)
            values[f.name] = raw
        return cls(*gallery_of(data), time=data.get("time"), **values)


def _plain_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def gallery_of(data: dict[str, Any]) -> tuple[Any, Any, str | None]:
    """The gallery every entry names: guid, gallery and language (KeyError when missing)."""
    return data["guid"], data["gallery"], data.get("language")


#: The fields every entry has (written by :meth:`Entry.encode`); a plain entry writes the rest.
ENTRY_FIELDS = frozenset(f.name for f in dataclasses.fields(Entry))
