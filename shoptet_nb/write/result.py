"""The Result of a write: one row of outcome per input row, the galleries after it, the
server's errors and the journal; and the Results of plans that were not (or not fully) sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._html import result_html
from ..client import ShoptetClient
from ..columns import IMAGE_COLUMNS, RESULT_COLUMNS, empty_frame, typed
from ..errors import ArgumentError
from ..frames import errors_to_frame
from ..plan import Plan, count_statuses

RESULT_STATUSES = (
    "updated",
    "would_update",
    "unchanged",
    "invalid",
    "not_found",
    "conflict",
    "failed",
    "not_attempted",
)


class RowStatuses:
    """What every write's Result says of its ``rows``: the count per status, the rows that need
    attention, and a one-line repr. A subclass names its ``STATUSES``."""

    STATUSES: ClassVar[tuple[str, ...]] = ()
    rows: pd.DataFrame
    dry_run: bool

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status listed."""
        return count_statuses(self.rows, self.STATUSES)

    @property
    def failed(self) -> pd.DataFrame:
        """Rows that need attention: failed, conflict or not attempted."""
        return self.rows[self.rows["status"].isin(["failed", "conflict", "not_attempted"])]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        kind = "dry run" if self.dry_run else "result"
        return f"<{type(self).__name__} ({kind}) {len(self.rows)} rows: {counts or 'empty'}>"


@dataclass(repr=False)
class Result(RowStatuses):
    """What happened: ``rows`` (one per input row, same index), ``images`` (the galleries as
    the server returned them after the update) and ``errors`` (the server's error items)."""

    client: ShoptetClient
    rows: pd.DataFrame
    images: pd.DataFrame
    errors: pd.DataFrame
    plan: Plan
    dry_run: bool = False
    journal_path: Path | None = None
    journal_entries: list[dict[str, Any]] = field(default_factory=list)
    STATUSES: ClassVar[tuple[str, ...]] = RESULT_STATUSES

    def _repr_html_(self) -> str:
        return result_html(self)


def dry_run_result(plan: Plan) -> Result:
    """The Result of a plan that is not applied: statuses as planned, nothing written."""
    rows = plan.rows.rename(columns={"reason": "message"})
    return Result(
        client=plan.client,
        rows=typed(rows, RESULT_COLUMNS),
        images=empty_frame(IMAGE_COLUMNS),
        errors=errors_to_frame([]),
        plan=plan,
        dry_run=True,
    )


def unsent_result(plan: Plan, message: str, *, status: str = "not_attempted") -> Result:
    """The Result of a plan whose apply never ran, or stopped before it could say what it did.

    Rows the plan would have written get ``status`` (``not_attempted``; ``failed`` when some
    may have been sent: the journal then says which) and ``message``; the others keep the
    plan's status (invalid, unchanged ...).

    >>> rest = unsent_result(part, "not attempted: the save was interrupted")  # doctest: +SKIP
    """
    if status not in RESULT_STATUSES:
        raise ArgumentError(f"unknown status {status!r}: use one of {', '.join(RESULT_STATUSES)}")
    result = dry_run_result(plan)
    rows = result.rows.copy()
    waiting = (rows["status"] == "would_update").to_numpy()
    rows.loc[waiting, "status"] = status
    rows.loc[waiting, "message"] = message
    result.rows = rows
    result.dry_run = False
    return result


def combine_results(results: Sequence[Result], *, plan: Plan | None = None) -> Result:
    """One Result of several applies (the parts of one save): rows, images, errors and journal
    entries of each, in order.

    ``plan`` is the whole plan the parts came from (:func:`~shoptet_nb.plan.split_plan`): the
    Result then holds it, and its rows follow the plan's order when their labels allow. The
    journal path is the one the parts share (``None`` when they wrote to different files: the
    entries still let ``revert(result)`` undo every part).

    >>> parts = split_plan(plan, 30)                                # doctest: +SKIP
    >>> whole = combine_results([apply(p) for p in parts], plan=plan)  # doctest: +SKIP
    >>> shoptet_nb.revert(whole)                                    # doctest: +SKIP
    """
    if not results:
        raise ArgumentError("combine_results() needs at least one Result")
    first = results[0]
    rows = _concat([r.rows for r in results], keep_index=True)
    whole = plan if plan is not None else first.plan
    if whole.rows.index.is_unique and rows.index.is_unique:
        place = whole.rows.index.get_indexer(rows.index)
        # Rows of the plan first, in its order; any other row after them, as given.
        place = np.where(place < 0, len(whole.rows) + np.arange(len(rows)), place)
        rows = rows.iloc[np.argsort(place, kind="stable")]
    paths = {r.journal_path for r in results if r.journal_path is not None}
    return Result(
        client=first.client,
        rows=rows,
        images=_concat([r.images for r in results], keep_index=False),
        errors=_concat([r.errors for r in results], keep_index=False),
        plan=whole,
        dry_run=all(r.dry_run for r in results),
        journal_path=paths.pop() if len(paths) == 1 else None,
        journal_entries=[entry for r in results for entry in r.journal_entries],
    )


def _concat(frames: list[pd.DataFrame], *, keep_index: bool) -> pd.DataFrame:
    """Frames of the same columns one after another (rows keep the plan's index); empty ones
    are skipped, as pandas would otherwise let them change the columns' types."""
    filled = [f for f in frames if len(f)] or frames[:1]
    if len(filled) == 1:
        return filled[0] if keep_index else filled[0].reset_index(drop=True)
    return pd.concat(filled, ignore_index=not keep_index)
