"""The Result of an add (or of its revert): one row of outcome per input row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from ..._html import photos_html
from ...client import ShoptetClient
from ...columns import typed
from ...plan import count_statuses
from ..result import RowStatuses
from .rows import AddRow

#: Every status a row of an add can end with.
ADD_STATUSES = (
    "added",
    "would_add",
    "skipped_duplicate",
    "invalid",
    "failed",
    "conflict",
    "not_attempted",
)

#: Every status a row of an add's revert can end with: a photo the add made (``deleted``,
#: ``not_found``), or one whose priority it moved (``restored``, ``unchanged`` when it
#: already has its old one); ``conflict`` and ``failed`` for either.
REVERT_STATUSES = ("deleted", "restored", "unchanged", "not_found", "conflict", "failed")

#: Statuses of rows that need a look (shown first in a notebook).
ATTENTION = ("failed", "conflict", "invalid", "not_attempted", "not_found")

#: Columns of ``AddResult.rows``.
ADD_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "source_url": "string",
    "path": "string",
    "status": "string",
    "name": "string",
    "message": "string",
    "priority": "Int64",
    "in_order": "boolean",
    "job_id": "string",
    "sha256": "string",
}


@dataclass(repr=False)
class AddResult(RowStatuses):
    """What an add did: ``rows`` (same index as the input frame) with each row's ``status``,
    the new photo's ``name``, the ``priority`` it was given and whether it stands where the
    frame said (``in_order``, checked after the job). ``revert(result)`` deletes exactly the
    photos it added and moves the others back: its result has the same columns, a row per
    photo, and ``statuses`` :data:`REVERT_STATUSES`."""

    client: ShoptetClient
    rows: pd.DataFrame
    dry_run: bool = False
    journal_path: Path | None = None
    journal_entries: list[dict[str, Any]] = field(default_factory=list)
    #: The statuses its rows can hold (what ``counts`` lists).
    statuses: tuple[str, ...] = ADD_STATUSES
    STATUSES: ClassVar[tuple[str, ...]] = ADD_STATUSES

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status this result can hold listed."""
        return count_statuses(self.rows, self.statuses)

    def _repr_html_(self) -> str:
        if self.statuses == REVERT_STATUSES:
            return photos_html(self, "Revert of an add", ATTENTION, ("deleted", "restored"))
        return photos_html(self, "Add", ATTENTION, ("added", "would_add"))


def rows_frame(rows: list[AddRow], index: pd.Index) -> pd.DataFrame:
    """The ``rows`` frame of an add, one per input row, on the input's index."""
    frame = pd.DataFrame(
        [
            {
                "guid": r.guid,
                "gallery": r.gallery,
                "source_url": r.source_url,
                "path": r.path,
                "status": r.status or "not_attempted",
                "name": r.name,
                "message": r.message,
                "priority": r.planned_priority,
                "in_order": r.in_order,
                "job_id": r.job_id,
                "sha256": r.sha256,
            }
            for r in rows
        ],
        columns=list(ADD_COLUMNS),
        index=index,
    )
    return typed(frame, ADD_COLUMNS)
