"""Several languages behind one view: one :class:`EditSession` per language, one undo order.

A caption belongs to one language and an :class:`~shoptet_nb.editing.model.EditModel` edits
one, so a worklist over a frame that mixes languages keeps a session per language (each reads,
checks conflicts and saves with ``?language=`` its own) and this class answers for all of them
together: the pending edits, the conflicts (with their language), undo in the order the actions
were made, and a save that saves each language in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .session import EditSession

if TYPE_CHECKING:
    from ..plan import Plan
    from ..write.result import Result
    from .model import Action

__all__ = ["LanguageSessions", "language_label"]


def language_label(language: str | None) -> str:
    """How a row's language reads in a view: its code, or ``default`` for the shop's own."""
    return "default" if language is None else language


class LanguageSessions:
    """The sessions of a view that shows several languages, by language (in frame order)."""

    def __init__(self, sessions: dict[str | None, EditSession]) -> None:
        self.sessions = sessions
        # Which sessions each view action changed, oldest first: undo takes back the newest
        # action whichever language it was in (each model keeps its own undo stack).
        self._order: list[tuple[str | None, ...]] = []
        self._tops = self._last_actions()
        #: The session whose save stopped half-way (its ``last_stop`` says where), or None.
        self.stopped: EditSession | None = None

    def _last_actions(self) -> dict[str | None, Action | None]:
        return {lang: s.model.last_action for lang, s in self.sessions.items()}

    def note_action(self) -> None:
        """Call after a view action: remembers the languages whose undo stack it grew."""
        now = self._last_actions()
        grown = tuple(
            lang for lang, top in now.items() if top is not None and top is not self._tops[lang]
        )
        if grown:
            self._order.append(grown)
        self._tops = now

    @property
    def can_undo(self) -> bool:
        """True when some language has an action to undo."""
        return any(s.model.can_undo for s in self.sessions.values())

    def undo(self) -> list[tuple[str | None, Action]]:
        """Undo the newest view action (in every language it changed); what was undone, by
        language."""
        self.note_action()
        while self._order:
            done = [
                (lang, action)
                for lang in self._order.pop()
                if (action := self.sessions[lang].model.undo()) is not None
            ]
            self._tops = self._last_actions()
            if done:
                return done
        return []

    def reset(self) -> None:
        """Forget every unsaved edit in every language (one undoable action)."""
        for session in self.sessions.values():
            session.model.reset()
        self.note_action()

    @property
    def changes(self) -> pd.DataFrame:
        """Every language's pending edits, one frame (``language`` on each row)."""
        return _stack([s.model.changes for s in self.sessions.values()], self.sessions)

    @property
    def conflicts(self) -> pd.DataFrame:
        """Every language's conflicts, with a ``language`` column."""
        return _stack([s.model.conflicts for s in self.sessions.values()], self.sessions)

    @property
    def pending_count(self) -> int:
        """Unsaved edits in all languages."""
        return sum(s.model.pending_count for s in self.sessions.values())

    @property
    def pending_products(self) -> list[str]:
        """Products with unsaved edits in any language, once each."""
        found = [p for s in self.sessions.values() for p in s.model.pending_products]
        return list(dict.fromkeys(found))

    def plan(self) -> Plan:
        """One plan of every language's pending edits (each against its own base)."""
        from ..plan import plan_updates

        sessions = list(self.sessions.values())
        first = sessions[0]
        bases = []
        for lang, session in self.sessions.items():
            base = session.model.base_frame(session.pending_galleries())
            bases.append(base.assign(language=pd.Series(lang, index=base.index, dtype="string")))
        base = pd.concat(bases, ignore_index=True)
        plan = plan_updates(first.client, self.changes, base=base, progress=False)
        for session in sessions:
            session.last_plan = plan
        return plan

    def save(self, **callbacks: Any) -> Result | None:
        """Save each language in turn (see :meth:`EditSession.save`); one Result of all.

        A save that stops in one language leaves the later ones pending; :attr:`stopped` is the
        session it stopped in. The shop renews a photo's change time and signed names for a
        change in any language, so before a language is saved, the galleries the languages
        before it wrote are read again in it (its edits rebased on them, a caption a colleague
        changed still a conflict): else our own write would look like a colleague's change.
        """
        from ..write.result import combine_results

        self.stopped = None
        results: list[Result] = []
        for session in self.sessions.values():
            written = {
                (str(g), str(gal))
                for r in results
                for g, gal, status in r.rows[["guid", "gallery", "status"]].to_numpy()
                if status != "conflict"
            }
            stale = [g for g in session.pending_galleries() if g in written]
            try:
                if stale:
                    session.reread(stale)
                result = session.save(**callbacks)
            except BaseException:
                self.stopped = session
                raise
            if result is not None:
                results.append(result)
        return combine_results(results) if results else None

    @property
    def result(self) -> Result | None:
        """The last save's Result of every language that saved something."""
        from ..write.result import combine_results

        results = [s.result for s in self.sessions.values() if s.result is not None]
        return combine_results(results) if results else None

    @property
    def save_problems(self) -> list[Any]:
        """The read problems after the last save, in every language."""
        return [p for s in self.sessions.values() for p in s.save_problems]


def _stack(frames: Sequence[pd.DataFrame], sessions: dict[str | None, EditSession]) -> pd.DataFrame:
    labelled = [
        f.assign(language=pd.Series(lang, index=f.index, dtype="string"))
        for f, lang in zip(frames, sessions, strict=True)
    ]
    filled = [f for f in labelled if len(f)] or labelled[:1]
    return pd.concat(filled, ignore_index=True)
