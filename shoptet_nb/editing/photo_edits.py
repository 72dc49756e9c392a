"""Pending photo adds and deletes of an :class:`~shoptet_nb.editing.model.EditModel`.

They live in the same per-gallery edits as captions and order (``_Edits.adds`` and
``_Edits.deletes``, immutable values), so one undo stack, ``reset`` and ``discard`` cover them
with no code of their own: undoing a delete mark brings the photo back, undoing an add takes
its placeholder away. A pending add is a source (a public URL, or a local file that the
session's stager uploads at Save); a pending delete is a photo's name, shown marked and never
removed from the view until the shop has deleted it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from itertools import count
from typing import TYPE_CHECKING, Any

from ..errors import ArgumentError
from .actions import Action, Key, Outcome

__all__ = ["PendingAdd", "PhotoEdits", "layout", "shop_positions"]

#: Placeholder ids, unique in the process (a session may hand adds to another's model).
_IDS = count(1)


@dataclass(frozen=True)
class PendingAdd:
    """A photo to add at the next Save: ``source_url`` (a public URL Shoptet downloads) or
    ``path`` (a local file, uploaded by the session's ``stage`` at Save), with an optional
    ``description`` and 1-based ``position`` after the add (None: after the last photo).
    ``label`` is what a view shows (the URL, or the file's own name); ``id`` names the
    placeholder."""

    id: str
    label: str
    source_url: str | None = None
    path: str | None = None
    description: str | None = None
    position: int | None = None

    @staticmethod
    def new(
        *,
        source_url: str | None = None,
        path: str | None = None,
        label: str | None = None,
        description: str | None = None,
        position: int | None = None,
    ) -> PendingAdd:
        """A pending add with a fresh id (``label`` defaults to the URL or the path)."""
        if (source_url is None) == (path is None):
            raise ArgumentError("a photo to add needs a source_url or a path, not both")
        shown = label or source_url or path or ""
        return PendingAdd(f"new-{next(_IDS)}", shown, source_url, path, description, position)


class PhotoEdits:
    """The add/delete half of :class:`~shoptet_nb.editing.model.EditModel` (a mixin: the
    model's galleries, its undo scope and its lookups are used as they are)."""

    if TYPE_CHECKING:
        _galleries: dict[Key, Any]  # the model's _Gallery records
        _add_outcomes: dict[str, Outcome]
        _blocked: dict[tuple[str, str, str], str]
        _undo: list[Any]

        def _action(
            self, action: Action, coalesce: tuple[Any, ...] | None = None
        ) -> AbstractContextManager[None]: ...
        def _gallery(self, guid: str, gallery: str) -> Any: ...
        def _photo(self, guid: str, gallery: str, name: str) -> Any: ...

    # --- editing (each call is one undoable action) ---------------------------------------

    def add_photos(self, guid: str, gallery: str, adds: Sequence[PendingAdd]) -> None:
        """Add photos to a gallery at the next Save, as one undoable action."""
        if not adds:
            return
        g = self._gallery(guid, gallery)
        what = adds[0].label if len(adds) == 1 else f"{len(adds)} photos"
        with self._action(Action("add", f"add of {what}", ((guid, gallery),))):
            g.edits.adds = (*g.edits.adds, *adds)

    def remove_add(self, guid: str, gallery: str, add_id: str) -> None:
        """Take a pending add back (its placeholder goes)."""
        g = self._gallery(guid, gallery)
        found = [a for a in g.edits.adds if a.id == add_id]
        if not found:
            raise ArgumentError(f"no pending add {add_id!r} in product {guid} ({gallery})")
        with self._action(Action("remove_add", f"add of {found[0].label}", ((guid, gallery),))):
            g.edits.adds = tuple(a for a in g.edits.adds if a.id != add_id)
            self._add_outcomes.pop(add_id, None)

    def mark_delete(self, guid: str, gallery: str, name: str, marked: bool = True) -> None:
        """Mark a photo for delete at the next Save (``marked=False``: keep it after all)."""
        g = self._photo(guid, gallery, name)
        label = f"delete of {name}" if marked else f"keeping {name}"
        with self._action(Action("delete", label, ((guid, gallery),), (name,))):
            deletes = set(g.edits.deletes)
            deletes.add(name) if marked else deletes.discard(name)
            g.edits.deletes = frozenset(deletes)
            # An approval belongs to one delete mark: keeping the photo takes it back.
            g.edits.unreference = g.edits.unreference & g.edits.deletes
            g.outcomes.pop(name, None)

    def clear_references(self, guid: str, gallery: str, name: str, approved: bool = True) -> None:
        """Approve (``approved=False``: take back) clearing the reference of the variants that
        show a photo marked for delete, so that Save deletes it anyway (the variants then show
        the product's main image). One undoable action; only this photo's variants change."""
        g = self._photo(guid, gallery, name)
        if approved and name not in g.edits.deletes:
            raise ArgumentError(f"{name} is not marked for delete: mark it first")
        label = f"clearing the variants' reference of {name}"
        with self._action(Action("clear_references", label, ((guid, gallery),), (name,))):
            cleared = set(g.edits.unreference)
            cleared.add(name) if approved else cleared.discard(name)
            g.edits.unreference = frozenset(cleared)
            g.outcomes.pop(name, None)

    def edit_add(
        self,
        guid: str,
        gallery: str,
        add_id: str,
        *,
        description: str | None = None,
        position: int | None = None,
    ) -> None:
        """Give a pending add a caption and/or a 1-based place after the save (one undoable
        action; an argument left None keeps what the add had)."""
        g = self._gallery(guid, gallery)
        found = [a for a in g.edits.adds if a.id == add_id]
        if not found:
            raise ArgumentError(f"no pending add {add_id!r} in product {guid} ({gallery})")
        if position is not None and (isinstance(position, bool) or int(position) < 1):
            raise ArgumentError(f"position must be 1 or more, not {position!r}")
        old = found[0]
        new = replace(
            old,
            description=old.description if description is None else (description or None),
            position=old.position if position is None else int(position),
        )
        with self._action(Action("edit_add", f"add of {old.label}", ((guid, gallery),))):
            g.edits.adds = tuple(new if a.id == add_id else a for a in g.edits.adds)

    def toggle_delete(self, guid: str, gallery: str, name: str) -> bool:
        """Mark or unmark a photo for delete; whether it is marked now."""
        marked = not self.marked_delete(guid, gallery, name)
        self.mark_delete(guid, gallery, name, marked)
        return marked

    # --- reading ----------------------------------------------------------------------------

    def pending_adds(self, guid: str, gallery: str) -> list[PendingAdd]:
        """The photos a gallery gains at the next Save, in the order they were added."""
        return list(self._gallery(guid, gallery).edits.adds)

    def pending_deletes(self, guid: str, gallery: str) -> list[str]:
        """The photos of a gallery marked for delete, in the shop's order."""
        g = self._gallery(guid, gallery)
        return [n for n in g.shop_order if n in g.edits.deletes]

    def references_cleared(self, guid: str, gallery: str, name: str) -> bool:
        """True when the user approved clearing the variants' reference of a marked photo."""
        return name in self._photo(guid, gallery, name).edits.unreference

    def blocked_by(self, guid: str, gallery: str, name: str) -> str | None:
        """The codes of the variants that the last preview or save found showing a photo
        marked for delete (None: none found, or not looked at yet)."""
        if not self.marked_delete(guid, gallery, name):
            return None
        return self._blocked.get((guid, gallery, name))

    def note_blocked(self, key: Key, name: str, codes: str | None) -> None:
        """Remember (``codes`` None: forget) the variants a preview or save found showing a
        photo to delete."""
        if codes:
            self._blocked[(*key, name)] = codes
        else:
            self._blocked.pop((*key, name), None)

    def marked_delete(self, guid: str, gallery: str, name: str) -> bool:
        """True when the photo is marked for delete."""
        return name in self._photo(guid, gallery, name).edits.deletes

    @property
    def photo_galleries(self) -> list[Key]:
        """The galleries with a pending add or delete, in load order."""
        return [k for k, g in self._galleries.items() if g.edits.adds or g.edits.deletes]

    @property
    def photo_edit_count(self) -> int:
        """Pending adds and deletes, over every gallery."""
        return sum(len(g.edits.adds) + len(g.edits.deletes) for g in self._galleries.values())

    def add_outcome(self, add_id: str) -> Outcome | None:
        """What the last save did to a pending add that is still pending (None: nothing)."""
        return self._add_outcomes.get(add_id)

    # --- after a save (not undoable: a save is undone with ``revert``) -------------------

    def settle_photos(
        self,
        key: Key,
        *,
        added: Sequence[str] = (),
        deleted: Sequence[str] = (),
        outcomes: dict[str, Outcome] | None = None,
    ) -> None:
        """Drop the adds (by id) and deletes (by name) a save settled; keep the others with
        the outcome of the adds that stay pending (``outcomes``: add id → outcome)."""
        g = self._galleries.get(key)
        if g is None:
            return
        g.edits.adds = tuple(a for a in g.edits.adds if a.id not in set(added))
        g.edits.deletes = frozenset(n for n in g.edits.deletes if n not in set(deleted))
        g.edits.unreference = g.edits.unreference & g.edits.deletes
        for add_id, outcome in (outcomes or {}).items():
            self._add_outcomes[add_id] = outcome

    def set_outcome(self, key: Key, name: str, outcome: Outcome) -> None:
        """Show a save's outcome on a photo of the gallery (ignored for a photo not there)."""
        g = self._galleries.get(key)
        if g is not None and name in g.rows:
            g.outcomes[name] = outcome

    def forget_outcomes(self) -> None:
        """Forget the outcomes of the last save, on every photo and pending add (a new save
        starts: its photo part and its caption part then add theirs)."""
        for g in self._galleries.values():
            g.outcomes.clear()
        self._add_outcomes.clear()

    def clear_undo(self) -> None:
        """Forget the undo stack (after a save: its steps would bring back sent edits)."""
        self._undo.clear()


def _wanted(
    order: Sequence[str], deleting: Collection[str], adds: Sequence[PendingAdd]
) -> list[str | PendingAdd]:
    """The gallery after the save as a view shows it: ``order`` without the photos to delete,
    the adds put in as ``add_images`` puts them (those without a position after the last
    photo, those with one by position, lowest first)."""
    staying = [n for n in order if n not in deleting]
    wanted: list[str | PendingAdd] = [*staying, *(a for a in adds if a.position is None)]
    for add in sorted((a for a in adds if a.position is not None), key=lambda a: a.position or 0):
        wanted.insert(min((add.position or 1) - 1, len(wanted)), add)
    return wanted


def layout(
    order: Sequence[str], deleting: Collection[str], adds: Sequence[PendingAdd]
) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Where a view shows a gallery's cards with its pending adds among them, as the save will
    place them: ``({name: slot}, {add id: (slot, place)})``. ``slot`` orders every card on
    screen (a photo marked for delete keeps its slot, marked); ``place`` is the add's 1-based
    position after the save, in the gallery without the deleted photos."""
    wanted = _wanted(order, deleting, adds)
    # The deleted photos go back in just after the photo they followed in the order.
    shown: list[str | PendingAdd] = list(wanted)
    for i, name in enumerate(order):
        if name in deleting:
            shown.insert(shown.index(order[i - 1]) + 1 if i else 0, name)
    names = {n: i for i, n in enumerate(shown) if isinstance(n, str)}
    places = {a.id: (shown.index(a), wanted.index(a) + 1) for a in adds}
    return names, places


def shop_positions(
    shop: Sequence[str], order: Sequence[str], deleting: Collection[str], adds: Sequence[PendingAdd]
) -> dict[str, int | None]:
    """The ``position=`` to send with each add (by id) so that it ends where the view shows
    it. ``add_images`` counts positions in the shop's order, and the caption and order edits
    go after it: an add placed right after photo X in the edited ``order`` is sent right
    after X in the ``shop``'s order (after the deletes), and the order edit, rebased on the new
    photo where the shop has it, keeps it there. An add the user gave no place stays None
    (after the last photo)."""
    wanted = _wanted(order, deleting, adds)
    sent: list[str | PendingAdd] = [n for n in shop if n not in deleting]
    after: str | None = None  # the last photo of the view before the add
    run: list[PendingAdd] = []  # adds in a row after the same photo
    for item in wanted:
        if isinstance(item, str):
            after, run = item, []
            continue
        if item.position is None:
            continue  # appended: add_images puts it after the last photo as the view does
        anchor = run[-1] if run else after
        sent.insert(sent.index(anchor) + 1 if anchor is not None else 0, item)
        run.append(item)
    places = {a.id: i for i, a in enumerate(sent, start=1) if isinstance(a, PendingAdd)}
    return {a.id: places[a.id] if a.position is not None else None for a in adds}
