"""A save in parts: split the plan, apply each part, record it, combine the parts' Results.

A view sees each part's outcome before the next part is sent (``on_part``), and one bar over the
whole save (``on_progress``). Every part appends to one journal file, so ``revert`` undoes the
whole save however many parts it took. An interrupt or an error keeps what was sent (recorded,
and in the combined Result), and leaves the rest pending.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Interrupted
from .wording import plural, saved_count

if TYPE_CHECKING:
    from ..plan import Plan
    from ..write.result import Result

__all__ = ["ApplyFunction", "PartedSave", "SaveStopped", "journal_for_save"]

#: How a session writes: ``apply``'s signature (``plan, *, journal, progress``).
ApplyFunction = Callable[..., "Result"]

_NOT_SENT = "not attempted: the save stopped before this part; Save again to finish"
_STOPPED_BEFORE = "not attempted: an earlier part of the save stopped (see its rows)"


class SaveStopped(Exception):
    """Raised by :meth:`PartedSave.run` when a part failed after earlier parts were sent.

    ``error`` is what stopped it (raised again by the session), ``result`` the whole save's
    Result (sent parts, then the rest unsent), ``part`` / ``parts`` where it stopped.
    """

    def __init__(self, error: Exception, result: Result, part: int, parts: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.result = result
        self.part = part
        self.parts = parts


def journal_for_save(journal: str | Path | bool | None, *, sandbox: bool) -> str | Path | bool:
    """What every part of one save passes as ``apply(journal=...)``: one file for all of them
    (apply appends to an existing file), or ``False`` for memory only."""
    if journal is False:
        return False
    if journal is None or journal is True:
        from ..write.journal import new_journal_path

        return new_journal_path(sandbox=sandbox)
    return journal


def galleries_to_write(plan: Plan) -> int:
    """The galleries apply writes for ``plan`` (one per product, gallery and language): what
    its progress callback counts."""
    targets = plan.targets
    if targets.empty:
        return 0
    return len(targets[["guid", "gallery", "language"]].drop_duplicates())


def _stopped_itself(result: Result) -> bool:
    """Whether apply stopped sending (it leaves rows ``not_attempted``), or the token was refused
    (401/403: a call in flight then fails too, and every later call would)."""
    rows = result.rows
    return bool(
        (rows["status"] == "not_attempted").any() or rows["http_status"].isin([401, 403]).any()
    )


def _interrupted_message(whole: Result, running: int, parts: int) -> str:
    """The message of the Interrupted a save in parts raises: how far it got, how to undo it."""
    counts = whole.counts
    undo = (
        f"journal {whole.journal_path}: revert(exc.result) or "
        "revert(journal_path, client=client) undoes what was written"
        if whole.journal_path is not None
        else "no journal file (journal=False): revert(exc.result) undoes what was written"
    )
    doubt = f", {counts['failed']} failed or unanswered" if counts.get("failed") else ""
    return (
        f"interrupted in part {running} of {parts} of the save: {saved_count(whole)} of "
        f"{plural(len(whole.rows), 'row')} saved{doubt}, {counts.get('not_attempted', 0)} not "
        f"attempted (still pending: Save again to finish); {undo}"
    )


@dataclass
class PartedSave:
    """One save of ``plan`` in parts (see the module). ``record`` takes each part's Result as
    it ends (``keep_outcomes`` False for the first), ``on_part`` is told after it,
    ``on_start(number, parts)`` before each part is sent."""

    plan: Plan
    parts: Sequence[Plan]
    apply: ApplyFunction
    journal: str | Path | bool
    record: Callable[[Result, bool], None]
    on_part: Callable[[Result], None] | None = None
    on_start: Callable[[int, int], None] | None = None
    on_progress: Callable[[int, int], None] | None = None
    done: list[Result] = field(default_factory=list)
    _recorded: int = 0

    def run(self) -> Result:
        """Send every part; the combined Result. Raises :class:`~shoptet_nb.Interrupted` (its
        ``result`` the whole save) after an interrupt, the error itself when nothing was sent,
        and :class:`SaveStopped` when an error stopped a later part."""
        total = galleries_to_write(self.plan)
        written = 0  # galleries of the parts done, for the progress bar
        sending = False  # True while apply runs: an error then may have left calls sent
        stop: str | None = None
        try:
            for number, part in enumerate(self.parts, start=1):
                if self.on_start is not None:
                    self.on_start(number, len(self.parts))

                def progress(done_here: int, _: int, before: int = written) -> None:
                    if self.on_progress is not None:
                        self.on_progress(before + done_here, total)

                sending = True
                self.done.append(self.apply(part, journal=self.journal, progress=progress))
                sending = False
                self._record_the_rest()
                written += galleries_to_write(part)
                if _stopped_itself(self.done[-1]):
                    stop = _STOPPED_BEFORE  # the token was refused: the next parts would fail
                    break
        except KeyboardInterrupt as exc:
            # shoptet_nb.Interrupted carries what the part in progress sent before the interrupt
            # (None: nothing of it was sent).
            partial = getattr(exc, "result", None)
            if partial is not None:
                self.done.append(partial)
            self._record_the_rest()
            if not self.done or len(self.parts) == 1:
                raise  # apply's own Interrupted already says it all (or nothing was sent)
            running = len(self.done) + (partial is None)
            whole = self._whole(_NOT_SENT)
            raise Interrupted(_interrupted_message(whole, running, len(self.parts)), whole) from exc
        except Exception as exc:
            self._record_the_rest()
            if not self.done:
                raise
            if sending:
                # apply itself failed half-way: some of this part may have been sent, and its
                # journal lines say which.
                from ..write.result import unsent_result

                self.done.append(
                    unsent_result(
                        self.parts[len(self.done)],
                        f"not known whether sent: the save stopped at an error in this part "
                        f"({exc}); the journal has every call that was sent",
                        status="failed",
                    )
                )
                self._record_the_rest()
            stopped_in = len(self.done)
            whole = self._whole(_NOT_SENT)
            raise SaveStopped(exc, whole, stopped_in, len(self.parts)) from exc
        return self._whole(stop or _NOT_SENT)

    def _record_the_rest(self) -> None:
        for each in self.done[self._recorded :]:
            self.record(each, self._recorded > 0)
            self._recorded += 1
            if self.on_part is not None:
                self.on_part(each)

    def _whole(self, message: str) -> Result:
        """The Result of the whole save: the parts done, then the parts never sent (recorded
        too, so their rows say so; their edits stay pending)."""
        from ..write.result import combine_results, unsent_result

        rest = [unsent_result(part, message) for part in self.parts[len(self.done) :]]
        self.done.extend(rest)
        self._record_the_rest()
        return combine_results(self.done, plan=self.plan)
