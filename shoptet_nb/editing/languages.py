"""Several languages behind one view: one :class:`EditSession` per language, one undo order.

A caption belongs to one language and an :class:`~shoptet_nb.editing.model.EditModel` edits
one, so a worklist over a frame that mixes languages keeps a session per language (each reads,
checks conflicts and saves with ``?language=`` its own) and this class answers for all of them
together: the pending edits, the conflicts (with their language), undo in the order the actions
were made, and a save that saves each language in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from .session import EditSession

if TYPE_CHECKING:
    from ..plan import Plan
    from ..write.result import Result
    from .loading import Gallery, ReadProblem
    from .model import Action
    from .saving import SaveStopped

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
        self._result: Result | None = None
        self._between: list[ReadProblem] = []  # of the re-reads between the languages

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
        # An action no view noted (a view of one language need not note them): the model's.
        for lang, session in self.sessions.items():
            action = session.model.undo()
            if action is not None:
                self._tops = self._last_actions()
                return [(lang, action)]
        return []

    def reset(self) -> None:
        """Forget every unsaved edit in every language (one undoable action)."""
        for session in self.sessions.values():
            session.model.reset()
        self.note_action()

    @property
    def single(self) -> EditSession | None:
        """The session when there is only one language (its frames then carry no extra
        ``language`` column), else None."""
        return next(iter(self.sessions.values())) if len(self.sessions) == 1 else None

    @property
    def changes(self) -> pd.DataFrame:
        """Every language's pending edits, one frame (``language`` on each row)."""
        if self.single is not None:
            return self.single.model.changes
        return _stack([s.model.changes for s in self.sessions.values()], self.sessions)

    @property
    def conflicts(self) -> pd.DataFrame:
        """Every language's conflicts, with a ``language`` column when there are several."""
        if self.single is not None:
            return self.single.model.conflicts
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

        if self.single is not None:
            return self.single.plan()
        sessions = list(self.sessions.values())
        bases = []
        for lang, session in self.sessions.items():
            base = session.model.base_frame(session.pending_galleries())
            bases.append(base.assign(language=pd.Series(lang, index=base.index, dtype="string")))
        base = pd.concat(bases, ignore_index=True)
        plan = plan_updates(sessions[0].client, self.changes, base=base, progress=False)
        for session in sessions:
            session.last_plan = plan
        return plan

    def save(
        self, *, on_progress: Callable[[int, int], None] | None = None, **callbacks: Any
    ) -> Result | None:
        """Save each language in turn (see :meth:`EditSession.save`, whose callbacks it takes);
        one Result of all.

        The Result has a row per edit of every language and the plans of all of them (one
        plan, its rows renumbered after each other); ``on_progress(done, total)`` counts the
        galleries of the whole save, every language's. A save that stops in one language
        leaves the later ones pending; :attr:`stopped` is the session it stopped in. The shop
        renews a photo's change time and signed names for a change in any language, so before
        a language is saved, the galleries the languages before it wrote are read again in it
        (its edits rebased on them, a caption a colleague changed still a conflict); what that
        read could not read is in :attr:`save_problems` with the saves' own.
        """
        self.stopped = None
        self._between = []
        results: list[Result] = []
        # Galleries to write per language: the pending ones until its save counts its own.
        sizes = {lang: len(s.pending_galleries()) for lang, s in self.sessions.items()}
        written_before = 0
        try:
            for lang, session in self.sessions.items():

                def progress(
                    done: int, total: int, lang: str | None = lang, before: int = written_before
                ) -> None:
                    sizes[lang] = total
                    if on_progress is not None:
                        on_progress(before + done, sum(sizes.values()))

                before = session.result
                try:
                    stale = _written_by(results, session.pending_galleries())
                    if stale:
                        self._between += session.reread(stale)
                        _keep_over_own_writes(session, results)
                    result = session.save(on_progress=progress, **callbacks)
                except BaseException:
                    self.stopped = session
                    if session.result is not None and session.result is not before:
                        results.append(session.result)  # what the stopped language sent
                    raise
                written_before += sizes[lang]
                if result is not None:
                    results.append(result)
        finally:
            whole = _combine(results) if results else None
            self._result = whole or self._result
        return whole

    @property
    def result(self) -> Result | None:
        """The last save's Result, every language's rows and plan in it (None before one)."""
        return self._result

    @property
    def last_stop(self) -> SaveStopped | None:
        """Where the last save stopped half-way (in :attr:`stopped`), or None."""
        return self.stopped.last_stop if self.stopped is not None else None

    @property
    def save_problems(self) -> list[ReadProblem]:
        """The read problems of the last save's re-reads (between languages and after)."""
        return [*self._between, *(p for s in self.sessions.values() for p in s.save_problems)]


def _written_by(results: Sequence[Result], pending: Sequence[Gallery]) -> list[Gallery]:
    """The pending galleries the Results wrote to (a row not held back as a conflict)."""
    written = {
        (str(g), str(gal))
        for r in results
        for g, gal, status in r.rows[["guid", "gallery", "status"]].to_numpy()
        if status != "conflict"
    }
    return [g for g in pending if g in written]


def _keep_over_own_writes(session: EditSession, results: Sequence[Result]) -> None:
    """Keep the session's caption edits whose conflict is this save's own write.

    A photo with no caption in a language shows the default language's there: writing the
    default caption changes what this language shows, which is no colleague's change (a shown
    caption that equals what an earlier language just wrote to that photo).
    """
    wrote = {
        (str(g), str(gal), str(n)): str(text)
        for r in results
        for g, gal, n, text, status in r.rows[
            ["guid", "gallery", "name", "new_description", "status"]
        ].to_numpy()
        if status == "updated" and not pd.isna(text)
    }
    conflicts = session.model.conflicts
    captions = conflicts[conflicts["field"] == "description"]
    for g, gal, n, theirs in captions[["guid", "gallery", "name", "theirs"]].to_numpy():
        if wrote.get((str(g), str(gal), str(n))) == str(theirs):
            session.model.keep_mine(str(g), str(gal), str(n), "description")


def _combine(results: Sequence[Result]) -> Result:
    """One Result of the languages' saves: their rows and plans one after another.

    Each language's plan numbers its rows from 0 (as its edits frame), and a Result's rows keep
    their plan's numbers: each language's are moved past the ones before it, in both.
    """
    from ..write.result import combine_results

    if len(results) == 1:
        return results[0]
    moved: list[Result] = []
    plans: list[Plan] = []
    offset = 0
    for result in results:
        plan = result.plan
        plans.append(replace(plan, rows=plan.rows.set_axis(plan.rows.index + offset)))
        moved.append(replace(result, rows=result.rows.set_axis(result.rows.index + offset)))
        offset += len(plan.rows)
    first = plans[0]

    def stacked(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
        filled = [f for f in frames if f is not None and len(f)]
        return pd.concat(filled, ignore_index=True) if filled else frames[0]

    whole = replace(
        first,
        rows=pd.concat([p.rows for p in plans]),
        targets=pd.concat(
            [p.targets for p in plans if len(p.targets)] or [first.targets], ignore_index=True
        ),
        fresh_keys=frozenset().union(*(p.fresh_keys for p in plans)),
        base=stacked([p.base for p in plans]),
        wanted=stacked([p.wanted for p in plans]),
    )
    return combine_results(moved, plan=whole)


def _stack(frames: Sequence[pd.DataFrame], sessions: dict[str | None, EditSession]) -> pd.DataFrame:
    labelled = [
        f.assign(language=pd.Series(lang, index=f.index, dtype="string"))
        for f, lang in zip(frames, sessions, strict=True)
    ]
    filled = [f for f in labelled if len(f)] or labelled[:1]
    return pd.concat(filled, ignore_index=True)
