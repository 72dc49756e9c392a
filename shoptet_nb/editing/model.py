"""``EditModel``: a user's pending gallery edits, held against the shop as last read.

The model is the editing state the gallery editor and the caption worklist share; it has no
traitlets and speaks no HTTP. Per gallery key ``(guid, gallery)`` it holds:

* the **base**: the shop's photos as last read (:meth:`EditModel.load`), or as a save left them
  (:meth:`EditModel.record`);
* the user's **pending edits**: a caption per photo and, at most, one wanted order of the
  gallery, each with the shop value it was made against;
* the **outcome** of the last save, per photo;
* one **undo stack** of user actions, over every gallery.

Pending edits are exactly what the user did, against the shop as it is now. Loading the shop
again *rebases*: an edit the shop now agrees with disappears; an edit whose field the shop
changed underneath it (a colleague edited the caption, or reordered the gallery the user is
reordering) becomes a **conflict**. Conflicts are never guessed from stored flags: they follow
from the edit, the value it was made against and the shop's value now, so every path (load,
undo, save) agrees. A conflicted edit is kept and shown, but left out of :attr:`changes` until
the user keeps it (:meth:`EditModel.keep_mine`) or drops it (:meth:`EditModel.take_theirs`).

Priorities are never edited directly: the wanted order is turned into the fewest priority writes
by :func:`shoptet_nb.edits.fewest_priority_changes` (each write renews the photo's CDN name).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from .._order import shop_order
from ..columns import IMAGE_COLUMNS, typed
from ..edits import fewest_priority_changes
from ..errors import ArgumentError, FrameError
from .actions import SAVED_STATUSES, Action, Key, Outcome
from .photo_edits import PendingAdd, PhotoEdits

__all__ = [
    "CHANGE_COLUMNS",
    "CONFLICT_COLUMNS",
    "Action",
    "EditModel",
    "Outcome",
    "frame_language",
    "language_name",
    "shop_order",
]

#: Columns of :attr:`EditModel.changes`: the edits frame ``plan_updates`` accepts.
CHANGE_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "priority": "Int64",
    "description": "string",
}

#: Columns of :attr:`EditModel.conflicts`. ``field`` is ``description`` (the caption) or
#: ``order`` (the gallery's order: ``yours`` and ``theirs`` are then 1-based positions).
CONFLICT_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "field": "string",
    "yours": "string",
    "theirs": "string",
}

#: The fields an edit can hold; ``order`` is the gallery's order (sent as priorities).
FIELDS = ("description", "order")

_UNDO_DEPTH = 500


@dataclass
class _Edits:
    """The user's pending edits of one gallery, and the shop values they were made against."""

    captions: dict[str, str] = field(default_factory=dict)
    caption_from: dict[str, str] = field(default_factory=dict)
    order: list[str] | None = None
    order_from: list[str] | None = None
    #: Photos to add and photo names to delete (immutable: a copy shares them).
    adds: tuple[PendingAdd, ...] = ()
    deletes: frozenset[str] = frozenset()
    #: Photos marked for delete whose variants' reference the user approved clearing.
    unreference: frozenset[str] = frozenset()

    def copy(self) -> _Edits:
        return _Edits(
            dict(self.captions),
            dict(self.caption_from),
            None if self.order is None else list(self.order),
            None if self.order_from is None else list(self.order_from),
            self.adds,
            self.deletes,
            self.unreference,
        )


@dataclass
class _Gallery:
    """One gallery: its base (the shop as last read), the edits, the outcomes of the last save."""

    rows: dict[str, dict[str, Any]]  # name -> IMAGE_COLUMNS record, as the shop last said
    complete: bool  # every photo of the gallery is in rows (the order can be edited)
    edits: _Edits = field(default_factory=_Edits)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    shop_order: list[str] = field(default_factory=list)
    _writes: tuple[tuple[str, ...], dict[str, int]] | None = None
    _frame: pd.DataFrame | None = None

    def rebuilt(self) -> None:
        """Recompute what derives from the rows (call after every change to them)."""
        priorities = {n: _priority(r.get("priority")) for n, r in self.rows.items()}
        self.shop_order = shop_order(priorities)
        self._writes = None
        self._frame = None

    def caption(self, name: str) -> str:
        return _caption(self.rows[name].get("description"))

    def priority(self, name: str) -> int | None:
        return _priority(self.rows[name].get("priority"))

    def writes(self) -> dict[str, int]:
        """The priority writes the wanted order needs ({} without an order edit)."""
        order = self.edits.order
        if order is None:
            return {}
        wanted = tuple(order)
        if self._writes is None or self._writes[0] != wanted:
            priorities = {n: self.priority(n) for n in self.shop_order}
            self._writes = (wanted, dict(fewest_priority_changes(priorities, list(wanted))))
        return self._writes[1]

    def records(self) -> list[dict[str, Any]]:
        """The photos as the shop last said, in the shop's order."""
        return [self.rows[n] for n in self.shop_order]

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = _records_frame(self.records())
        return self._frame


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """IMAGE_COLUMNS records as one typed frame (built once: a frame per gallery is slow)."""
    frame = pd.DataFrame.from_records(records, columns=list(IMAGE_COLUMNS))
    # Photos without a changeTime only: pandas makes a naive all-NaT column, which cannot be
    # cast to UTC; parse it as UTC instead.
    frame["change_time"] = pd.to_datetime(frame["change_time"], utc=True)
    return typed(frame, IMAGE_COLUMNS)


@dataclass
class _Step:
    action: Action
    before: dict[Key, _Edits]
    coalesce: tuple[Any, ...] | None = None


# -- pure helpers ----------------------------------------------------------------------------


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _caption(value: object) -> str:
    """A caption as shown: no caption and an empty one are the same ("")."""
    return "" if _missing(value) else str(value)


def _priority(value: object) -> int | None:
    return None if _missing(value) else int(value)  # type: ignore[call-overload]


def _fields(record: dict[str, Any]) -> tuple[int | None, str]:
    """The editable fields of a photo record, as compared (priority, caption)."""
    return _priority(record.get("priority")), _caption(record.get("description"))


def language_name(language: str | None) -> str:
    """A language as frames carry it, for people: ``'sk'``, or the shop's default (None)."""
    return "the shop's default language (<NA>)" if language is None else repr(language)


def frame_language(frame: pd.DataFrame) -> str | None:
    """The one language of a frame's captions: its ``language`` column (None: the default).

    A frame without the column, or with only ``<NA>`` in it, holds the shop's default
    language. A frame mixing languages is refused (FrameError): a caption belongs to one
    language, and one editing state edits one.

    >>> frame_language(read_images(client, guids, language="sk"))   # doctest: +SKIP
    'sk'
    """
    if "language" not in frame.columns:
        return None
    found = {None if _missing(v) else str(v) for v in frame["language"].unique()}
    if len(found) > 1:
        shown = ", ".join(sorted(language_name(v) for v in found))
        raise FrameError(
            f"the frame mixes captions of several languages ({shown}); edit one language at "
            "a time: keep the rows of one, e.g. frame[frame['language'] == 'sk'], or "
            "frame[frame['language'].isna()] for the default"
        )
    return next(iter(found), None)


def _merge_new_names(order: list[str], shop: list[str]) -> list[str]:
    """``order`` without photos gone from the shop, photos new in it placed as the shop has them.

    A new photo goes right after the photo that precedes it in the shop's order, so it asks for
    no priority write of its own.
    """
    present = set(shop)
    merged = [n for n in order if n in present]
    known = set(merged)
    for i, name in enumerate(shop):
        if name in known:
            continue
        before = next((shop[j] for j in range(i - 1, -1, -1) if shop[j] in known), None)
        merged.insert(0 if before is None else merged.index(before) + 1, name)
        known.add(name)
    return merged


def _relative(order: Iterable[str], among: set[str]) -> list[str]:
    return [n for n in order if n in among]


# -- the model -------------------------------------------------------------------------------


class EditModel(PhotoEdits):
    """Pending caption and order edits of product galleries, against the shop as last read.

    Plain Python (no widgets, no HTTP): a view reads the shop, hands the frame to :meth:`load`,
    forwards the user's actions (:meth:`set_caption`, :meth:`move`, :meth:`set_order`,
    :meth:`undo` ...), saves :attr:`changes` with ``plan_updates``/``apply`` and hands the
    result to :meth:`record`.

    >>> model = EditModel()
    >>> model.load(images, complete=True)                   # doctest: +SKIP
    >>> model.set_caption(guid, "shop", "back.jpg", "Back view")   # doctest: +SKIP
    >>> model.changes                                       # doctest: +SKIP
    >>> model.undo()                                        # doctest: +SKIP
    Action(kind='caption', label='caption of back.jpg', ...)
    """

    def __init__(self, *, language: str | None = None) -> None:
        #: The language of the captions as frames carry it (``None`` = the shop's default,
        #: see ``shoptet_nb.read.language_key``); in :attr:`changes`. :meth:`load` refuses a
        #: frame whose ``language`` column says another.
        self.language = language
        self._galleries: dict[Key, _Gallery] = {}
        self._undo: list[_Step] = []
        # Outcomes of the last save for adds still pending (by add id; see PhotoEdits).
        self._add_outcomes: dict[str, Outcome] = {}
        # The variants (codes) the last preview or save found showing a photo to delete.
        self._blocked: dict[tuple[str, str, str], str] = {}

    # --- loading --------------------------------------------------------------------------

    def load(
        self, frame: pd.DataFrame, *, complete: bool = False, keys: Iterable[Key] = ()
    ) -> list[Key]:
        """Rebase the galleries in ``frame`` (a ``read_images`` frame) on the shop as now.

        The base of each gallery becomes the frame's rows; the pending edits are kept. An edit
        the shop now agrees with disappears; an edit whose field changed in the shop since it
        was made becomes a conflict (see :attr:`conflicts`).

        ``complete=True`` says the frame holds whole galleries (as ``read_images`` returns
        them): photos it lacks are gone from the shop and are dropped with their edits, and
        the order of the gallery can be edited. With ``complete=False`` (the default) the
        frame may hold only some photos of a gallery (a caption worklist): their rows are
        updated and the other photos are left as they were.

        ``keys`` names galleries that were read whole: one absent from the frame is empty now
        (a product without photos, or whose photos were all deleted).

        Returns the keys loaded, in the frame's order, then those of ``keys`` found empty.
        """
        if not isinstance(frame, pd.DataFrame):
            raise FrameError(f"load() needs a DataFrame, got {type(frame).__name__}")
        needed = ("guid", "gallery", "name", "priority", "description")
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise FrameError(
                f"load(): the frame lacks the column(s) {', '.join(missing)}; "
                "pass a read_images() frame"
            )
        language = frame_language(frame)
        if "language" in frame.columns and len(frame) and language != self.language:
            raise FrameError(
                f"load(): the frame holds captions in {language_name(language)}, but this "
                f"model edits {language_name(self.language)}; read the galleries in the "
                "model's language (read_images(..., language=...))"
            )
        data = typed(frame, IMAGE_COLUMNS)
        if data[["guid", "gallery", "name"]].isna().any(axis=None):
            raise FrameError("load(): every row needs guid, gallery and name")
        duplicated = data.duplicated(["guid", "gallery", "name"])
        if duplicated.any():
            first = data[duplicated].iloc[0]
            raise FrameError(
                f"load(): image {first['name']!r} of product {first['guid']} appears twice; "
                "drop the duplicate rows"
            )
        # Records once for the whole frame, grouped in Python: a to_dict per gallery is what
        # made a worklist of thousands of galleries slow to build.
        grouped: dict[Key, list[dict[str, Any]]] = {}
        for record in data.to_dict("records"):
            row = cast(dict[str, Any], record)  # typed(): the keys are the column names
            grouped.setdefault((str(row["guid"]), str(row["gallery"])), []).append(row)
        loaded: list[Key] = []
        for key, records in grouped.items():
            loaded.append(key)
            self._rebase(key, records, complete=complete)
        for key in keys:
            if key not in loaded:
                loaded.append(key)
                self._rebase((str(key[0]), str(key[1])), [], complete=True)
        return loaded

    def _rebase(self, key: Key, records: list[dict[str, Any]], *, complete: bool) -> None:
        rows = {str(r["name"]): r for r in records}
        g = self._galleries.get(key)
        saved = {n: _fields(r) for n, r in g.rows.items()} if g is not None else {}
        if g is None:
            g = self._galleries[key] = _Gallery(rows=rows, complete=complete)
        elif complete:
            g.rows = rows
            g.complete = True
        else:
            g.rows = {**g.rows, **rows}
        g.rebuilt()
        for name, outcome in list(g.outcomes.items()):
            # "Saved" means the shop holds the edit: once the shop has moved on from it (a
            # revert, a colleague), the badge would claim what is no longer true.
            gone = name not in g.rows
            if gone or (outcome.ok and _fields(g.rows[name]) != saved.get(name)):
                del g.outcomes[name]
        self._normalize(g)

    # --- reading the state ----------------------------------------------------------------

    @property
    def keys(self) -> list[Key]:
        """The galleries loaded, in the order they were first loaded."""
        return list(self._galleries)

    def has(self, guid: str, gallery: str) -> bool:
        """True when the gallery has been loaded."""
        return (guid, gallery) in self._galleries

    def names(self, guid: str, gallery: str) -> list[str]:
        """The photos of a gallery in the shop's order."""
        return list(self._gallery(guid, gallery).shop_order)

    def order(self, guid: str, gallery: str) -> list[str]:
        """The photos of a gallery in the order shown: the wanted order, else the shop's."""
        g = self._gallery(guid, gallery)
        return list(g.edits.order if g.edits.order is not None else g.shop_order)

    def caption(self, guid: str, gallery: str, name: str) -> str:
        """The caption shown for a photo: the pending edit, else the shop's ("" for none)."""
        g = self._photo(guid, gallery, name)
        return g.edits.captions.get(name, g.caption(name))

    def shop_caption(self, guid: str, gallery: str, name: str) -> str:
        """The photo's caption in the shop, as last read ("" for none)."""
        return self._photo(guid, gallery, name).caption(name)

    def shop_position(self, guid: str, gallery: str, name: str) -> int:
        """The photo's 1-based position in the shop, as last read."""
        return self._photo(guid, gallery, name).shop_order.index(name) + 1

    def edited_fields(self, guid: str, gallery: str, name: str) -> list[str]:
        """The fields of a photo with a pending edit: ``description`` and/or ``priority``."""
        g = self._photo(guid, gallery, name)
        out = ["description"] if name in g.edits.captions else []
        return [*out, "priority"] if name in g.writes() else out

    def conflict_fields(self, guid: str, gallery: str, name: str) -> list[str]:
        """The fields of a photo in conflict: ``description`` and/or ``order``."""
        g = self._photo(guid, gallery, name)
        out = ["description"] if self._caption_conflict(g, name) else []
        return [*out, "order"] if self._order_conflict(g) and name in g.writes() else out

    def outcome(self, guid: str, gallery: str, name: str) -> Outcome | None:
        """What the last save did to the photo (``None``: not in the last save)."""
        return self._photo(guid, gallery, name).outcomes.get(name)

    def state(self, guid: str, gallery: str, name: str) -> str | None:
        """``conflict``, ``failed`` (see :meth:`outcome`), ``edited``, ``saved`` or None."""
        g = self._photo(guid, gallery, name)
        if self.conflict_fields(guid, gallery, name):
            return "conflict"
        outcome = g.outcomes.get(name)
        if outcome is not None and not outcome.ok:
            return "failed"
        if name in g.edits.captions or name in g.writes():
            return "edited"
        if outcome is not None:
            return "saved"
        return None

    def _pending_names(self, g: _Gallery) -> set[str]:
        return set(g.edits.captions) | set(g.writes()) | set(g.edits.deletes)

    @property
    def pending_count(self) -> int:
        """Photos with an unsaved edit (a photo to add counts as one), conflicted ones
        included."""
        return sum(
            len(self._pending_names(g)) + len(g.edits.adds) for g in self._galleries.values()
        )

    @property
    def pending_products(self) -> list[str]:
        """Guids of the products with an unsaved edit, in load order."""
        out = [k[0] for k, g in self._galleries.items() if self._pending_names(g) or g.edits.adds]
        return list(dict.fromkeys(out))

    @property
    def changes(self) -> pd.DataFrame:
        """The edits to save: the frame ``plan_updates`` accepts, only what the user did.

        One row per photo to write (guid, gallery, name, priority, description, plus
        ``language`` when the model has one); ``<NA>`` for a field left as it is. Priorities
        are the fewest writes that give each wanted order. Conflicted edits are left out
        until resolved (:meth:`keep_mine`, :meth:`take_theirs`).
        """
        rows: list[dict[str, Any]] = []
        for key, g in self._galleries.items():
            writes = {} if self._order_conflict(g) else g.writes()
            # A photo marked for delete gets no caption write: the delete goes first.
            captions = {
                n: text
                for n, text in g.edits.captions.items()
                if not self._caption_conflict(g, n) and n not in g.edits.deletes
            }
            if not writes and not captions:
                continue
            for name in g.edits.order or g.shop_order:
                if (name in writes and name not in g.edits.deletes) or name in captions:
                    rows.append(
                        {
                            "guid": key[0],
                            "gallery": key[1],
                            "name": name,
                            "priority": writes.get(name),
                            "description": captions.get(name),
                        }
                    )
        out = typed(pd.DataFrame(rows, columns=list(CHANGE_COLUMNS)), CHANGE_COLUMNS)
        if self.language is not None:
            out["language"] = pd.Series(self.language, index=out.index, dtype="string")
        return out

    @property
    def conflicts(self) -> pd.DataFrame:
        """Edits whose field changed in the shop since they were made.

        Columns guid, gallery, name, field, yours, theirs. ``description``: your caption and
        the shop's. ``order``: a row per photo your order moves, with its position in your
        order and in the shop's.
        """
        rows: list[tuple[str, str, str, str, str, str]] = []
        for (guid, gallery), g in self._galleries.items():
            for name, text in g.edits.captions.items():
                if self._caption_conflict(g, name):
                    rows.append((guid, gallery, name, "description", text, g.caption(name)))
            if self._order_conflict(g) and g.edits.order is not None:
                writes = g.writes()
                for position, name in enumerate(g.edits.order, start=1):
                    if name in writes:
                        theirs = str(g.shop_order.index(name) + 1)
                        rows.append((guid, gallery, name, "order", str(position), theirs))
        frame = pd.DataFrame(rows, columns=list(CONFLICT_COLUMNS))
        return typed(frame, CONFLICT_COLUMNS)

    def base_frame(self, keys: Iterable[Key] | None = None) -> pd.DataFrame:
        """The shop as last read (IMAGE_COLUMNS), of ``keys`` or every gallery: a plan's base."""
        wanted = [k for k in (self._galleries if keys is None else keys) if k in self._galleries]
        if len(wanted) == 1:
            # Cached per gallery (the editor asks often); a copy, as callers may change it.
            return self._galleries[wanted[0]].frame().copy()
        # Many galleries (a worklist): one frame from all their records at once.
        records = [r for k in wanted for r in self._galleries[k].records()]
        return _records_frame(records)

    # --- editing (each call is one undoable action) -----------------------------------------

    def set_caption(self, guid: str, gallery: str, name: str, text: str | None) -> None:
        """Set a photo's caption (``None`` or ``""``: no caption). Typing into one field
        coalesces into one undo step until another action comes between."""
        g = self._photo(guid, gallery, name)
        key = (guid, gallery)
        new = _caption(text)  # None, <NA> and NaN are no caption (never the text "<NA>")
        with self._action(
            Action("caption", f"caption of {name}", (key,), (name,)),
            coalesce=("caption", key, name),
        ):
            edits = g.edits
            if name not in edits.captions:
                edits.caption_from[name] = g.caption(name)
            edits.captions[name] = new
            g.outcomes.pop(name, None)

    def set_captions(
        self, captions: Mapping[tuple[str, str, str], str | None], *, label: str = "captions"
    ) -> None:
        """Set many captions, over any galleries, as one undoable action (a bulk edit).

        ``captions`` maps ``(guid, gallery, name)`` to the new text. Every photo is checked
        before anything changes, so an unknown one leaves the model as it was.

        >>> model.set_captions({(guid, "shop", "a.jpg"): "Front"}, label="trim")  # doctest: +SKIP
        """
        targets = [(self._photo(*photo), photo) for photo in captions]
        keys = tuple(dict.fromkeys((photo[0], photo[1]) for _, photo in targets))
        names = tuple(photo[2] for _, photo in targets)
        with self._action(Action("captions", label, keys, names)):
            for g, photo in targets:
                name = photo[2]
                text = captions[photo]
                if name not in g.edits.captions:
                    g.edits.caption_from[name] = g.caption(name)
                g.edits.captions[name] = _caption(text)
                g.outcomes.pop(name, None)

    def set_order(self, guid: str, gallery: str, names: Sequence[str]) -> None:
        """Want the photos of a gallery in this order (every photo, each once)."""
        self._set_order((guid, gallery), list(names), "new order")

    def move(self, guid: str, gallery: str, name: str, position: int) -> None:
        """Move a photo to ``position`` (1 = first; clamped to the gallery)."""
        order = self.order(guid, gallery)
        if name not in order:
            self._photo(guid, gallery, name)  # raises the helpful error
        order.remove(name)
        at = max(0, min(int(position) - 1, len(order)))
        order.insert(at, name)
        self._set_order((guid, gallery), order, f"move of {name} to position {at + 1}", name)

    def discard(self, guid: str, gallery: str, name: str) -> None:
        """Forget one photo's edits: its caption, and its move (back to its shop place)."""
        g = self._photo(guid, gallery, name)
        with self._action(Action("discard", f"edits of {name}", ((guid, gallery),), (name,))):
            g.edits.captions.pop(name, None)
            g.edits.caption_from.pop(name, None)
            g.edits.deletes = g.edits.deletes - {name}
            g.edits.unreference = g.edits.unreference - {name}
            order = g.edits.order
            if order is not None:
                order.remove(name)
                order.insert(min(g.shop_order.index(name), len(order)), name)
            g.outcomes.pop(name, None)

    def reset(self, guid: str | None = None, gallery: str | None = None) -> None:
        """Forget the pending edits of every gallery, of one product, or of one gallery."""
        keys = tuple(
            k
            for k in self._galleries
            if (guid is None or k[0] == guid) and (gallery is None or k[1] == gallery)
        )
        where = "every product" if guid is None else f"product {guid}"
        with self._action(Action("reset", f"reset of {where}", keys)):
            for key in keys:
                self._galleries[key].edits = _Edits()
                self._galleries[key].outcomes.clear()

    def keep_mine(self, guid: str, gallery: str, name: str, field: str | None = None) -> None:
        """Resolve a conflict by keeping your edit: it will overwrite the shop's value.

        ``field`` is ``description`` or ``order`` (None: every conflicted field of the photo).
        Keeping your order resolves the gallery's order for every photo it moves.
        """
        g, fields = self._conflicted(guid, gallery, name, field)
        label = f"keeping your {' and '.join(fields)} of {name}"
        with self._action(Action("keep_mine", label, ((guid, gallery),), (name,))):
            if "description" in fields:
                g.edits.caption_from[name] = g.caption(name)
            if "order" in fields:
                g.edits.order_from = list(g.shop_order)

    def take_theirs(self, guid: str, gallery: str, name: str, field: str | None = None) -> None:
        """Resolve a conflict by dropping your edit and taking the shop's value.

        ``field`` as in :meth:`keep_mine`; taking the shop's order drops your whole order.
        """
        g, fields = self._conflicted(guid, gallery, name, field)
        label = f"taking the shop's {' and '.join(fields)} of {name}"
        with self._action(Action("take_theirs", label, ((guid, gallery),), (name,))):
            if "description" in fields:
                g.edits.captions.pop(name, None)
                g.edits.caption_from.pop(name, None)
            if "order" in fields:
                g.edits.order = g.edits.order_from = None

    # --- undo -----------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """True when there is an action to undo."""
        return bool(self._undo)

    @property
    def last_action(self) -> Action | None:
        """The action :meth:`undo` would take back (None: nothing to undo)."""
        return self._undo[-1].action if self._undo else None

    def undo(self) -> Action | None:
        """Undo the last action (a caption's typing, a move, a reset ...); None if none.

        The edits come back as they were, checked against the shop as it is now: an edit the
        shop has meanwhile taken disappears, one it changed underneath is a conflict.
        """
        if not self._undo:
            return None
        step = self._undo.pop()
        for key, edits in step.before.items():
            g = self._galleries.get(key)
            if g is not None:
                g.edits = edits.copy()
                for name in step.action.names:
                    g.outcomes.pop(name, None)
                self._normalize(g)
        return step.action

    # --- saving ---------------------------------------------------------------------------

    def record(self, result: Any, *, keep_outcomes: bool = False) -> None:
        """Take in a save's ``Result`` (also the partial one of an interrupted save).

        Each photo's outcome is kept (:meth:`outcome`); the edits the shop now holds leave the
        pending ones and the base takes the server's values (``result.images``, else the row's
        new values); edits not saved stay pending. The undo stack is cleared: a save is undone
        with ``shoptet_nb.revert``, not here.

        The outcomes of the previous save are forgotten first, unless ``keep_outcomes=True``:
        a save sent in parts records each part as it ends, keeping the earlier parts' outcomes.

        >>> model.record(part_1)                                  # doctest: +SKIP
        >>> model.record(part_2, keep_outcomes=True)              # doctest: +SKIP
        """
        rows: pd.DataFrame = result.rows
        if not keep_outcomes:
            for each in self._galleries.values():
                each.outcomes.clear()
        reordered: set[Key] = set()
        for row in rows.to_dict("records"):
            key = (str(row["guid"]), str(row["gallery"]))
            name = str(row["name"])
            found = self._galleries.get(key)
            if found is None or name not in found.rows:
                continue
            g = found
            status = _caption(row.get("status"))
            g.outcomes[name] = Outcome(
                status=status,
                message=None if _missing(row.get("message")) else str(row["message"]),
                http_status=_priority(row.get("http_status")),
                error_code=None if _missing(row.get("error_code")) else str(row["error_code"]),
            )
            if status not in SAVED_STATUSES:
                continue
            was = g.priority(name)
            record = g.rows[name] = dict(g.rows[name])
            if not _missing(row.get("new_description")):
                record["description"] = row["new_description"]
                g.edits.captions.pop(name, None)
                g.edits.caption_from.pop(name, None)
            if not _missing(row.get("new_priority")):
                record["priority"] = row["new_priority"]
                # A row names its priority even when only its caption was saved: only a
                # priority this save changed moves the order the wanted one is relative to.
                if _priority(row["new_priority"]) != was:
                    reordered.add(key)
        # The order the shop would show with only this save's writes on the base: what the
        # rest of a wanted order is now relative to (a colleague's move since is a conflict).
        expected: dict[Key, list[str]] = {}
        for key in reordered:
            self._galleries[key].rebuilt()
            expected[key] = list(self._galleries[key].shop_order)
        images = getattr(result, "images", None)
        if isinstance(images, pd.DataFrame) and len(images):
            mine = self._in_language(images)  # load() takes this model's language only
            known = images[
                [
                    ok and (str(g), str(gal)) in self._galleries
                    for ok, g, gal in zip(mine, images["guid"], images["gallery"], strict=True)
                ]
            ]
            if len(known):
                self.load(known, complete=False)
        for key in reordered:
            g = self._galleries[key]
            if g.edits.order is not None:
                # The shop's order moved because of this save: what is left of the wanted
                # order is now relative to the order this save gave, so that a colleague's
                # change in the server's answer is a conflict, not a new base to undo.
                g.edits.order_from = expected[key]
            self._normalize(g)
        self._undo.clear()

    # --- internals ------------------------------------------------------------------------

    def _in_language(self, frame: pd.DataFrame) -> list[bool]:
        """Per row: is it in this model's language (a frame without the column: yes)."""
        if "language" not in frame.columns:
            return [True] * len(frame)
        return [(None if _missing(v) else str(v)) == self.language for v in frame["language"]]

    def _gallery(self, guid: str, gallery: str) -> _Gallery:
        g = self._galleries.get((guid, gallery))
        if g is None:
            raise ArgumentError(
                f"gallery {gallery} of product {guid} is not loaded; load() it first"
            )
        return g

    def _photo(self, guid: str, gallery: str, name: str) -> _Gallery:
        g = self._gallery(guid, gallery)
        if name not in g.rows:
            shown = ", ".join(g.shop_order[:5]) + (" ..." if len(g.shop_order) > 5 else "")
            raise ArgumentError(f"no image {name!r} in product {guid} ({gallery}); it has {shown}")
        return g

    def _caption_conflict(self, g: _Gallery, name: str) -> bool:
        edits = g.edits
        return name in edits.captions and edits.caption_from.get(name) != g.caption(name)

    def _order_conflict(self, g: _Gallery) -> bool:
        edits = g.edits
        if edits.order is None or edits.order_from is None:
            return False
        common = set(edits.order_from) & set(g.shop_order)
        return _relative(edits.order_from, common) != _relative(g.shop_order, common)

    def _conflicted(
        self, guid: str, gallery: str, name: str, field: str | None
    ) -> tuple[_Gallery, list[str]]:
        if field is not None and field not in FIELDS:
            raise ArgumentError(f"unknown field {field!r}: use 'description' or 'order'")
        g = self._photo(guid, gallery, name)
        fields = self.conflict_fields(guid, gallery, name)
        if field is not None:
            fields = [f for f in fields if f == field]
        if not fields:
            what = f"its {field}" if field else "it"
            raise ArgumentError(f"image {name!r} of product {guid} has no conflict on {what}")
        return g, fields

    def _set_order(self, key: Key, names: list[str], label: str, moved: str = "") -> None:
        g = self._gallery(*key)
        if not g.complete:
            raise ArgumentError(
                f"the order of product {key[0]} ({key[1]}) cannot be edited: only some of its "
                "photos were loaded; load the whole gallery (complete=True)"
            )
        if sorted(names) != sorted(g.shop_order):
            extra = sorted(set(names) - set(g.shop_order))
            lacking = sorted(set(g.shop_order) - set(names))
            raise ArgumentError(
                f"set_order(): give every photo of product {key[0]} ({key[1]}) once"
                + (f"; not in the gallery: {', '.join(extra)}" if extra else "")
                + (f"; missing: {', '.join(lacking)}" if lacking else "")
            )
        before = g.edits.order or g.shop_order
        action = Action("order", label, (key,), (moved,) if moved else ())
        with self._action(action):
            if g.edits.order is None:
                g.edits.order_from = list(g.shop_order)
            for position, name in enumerate(names):
                if position >= len(before) or before[position] != name:
                    g.outcomes.pop(name, None)
            g.edits.order = names

    def _normalize(self, g: _Gallery) -> None:
        """Bring the edits of a gallery in line with its base: drop what the shop agrees with."""
        edits = g.edits
        for name in list(edits.captions):
            if name not in g.rows or edits.captions[name] == g.caption(name):
                edits.captions.pop(name)
                edits.caption_from.pop(name, None)
        for name in [n for n in edits.caption_from if n not in edits.captions]:
            del edits.caption_from[name]
        if not edits.deletes <= g.rows.keys():  # a photo gone from the shop needs no delete
            edits.deletes = frozenset(n for n in edits.deletes if n in g.rows)
            edits.unreference = edits.unreference & edits.deletes
        if edits.order is not None:
            if g.complete:
                edits.order = _merge_new_names(edits.order, g.shop_order)
            if edits.order == g.shop_order or not g.writes():
                edits.order = edits.order_from = None

    class _ActionScope:
        def __init__(self, model: EditModel, step: _Step) -> None:
            self.model, self.step = model, step

        def __enter__(self) -> None:
            return None

        def __exit__(self, kind: object, exc: object, tb: object) -> None:
            model, step = self.model, self.step
            if kind is not None:  # roll back a half-done action
                for key, edits in step.before.items():
                    model._galleries[key].edits = edits
                return
            changed = False
            for key, before in step.before.items():
                g = model._galleries[key]
                model._normalize(g)
                changed = changed or g.edits != before
            if not changed:
                return
            top = model._undo[-1] if model._undo else None
            if step.coalesce is not None and top is not None and top.coalesce == step.coalesce:
                return  # the earlier step already restores the state before this typing
            model._undo.append(step)
            del model._undo[:-_UNDO_DEPTH]

    def _action(self, action: Action, coalesce: tuple[Any, ...] | None = None) -> _ActionScope:
        before = {key: self._galleries[key].edits.copy() for key in action.keys}
        return self._ActionScope(self, _Step(action, before, coalesce))

    def __iter__(self) -> Iterator[Key]:
        return iter(self._galleries)

    def __repr__(self) -> str:
        conflicts = len(self.conflicts)
        extra = f", {conflicts} in conflict" if conflicts else ""
        return (
            f"<EditModel {len(self._galleries)} galleries: "
            f"{self.pending_count} pending edits{extra}>"
        )
