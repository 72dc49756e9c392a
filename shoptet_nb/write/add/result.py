"""The Result of an add (or of its revert): one row of outcome per input row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from ...client import ShoptetClient
from ...columns import typed
from ..result import RowStatuses
from .rows import AddRow

#: Every status a row of an add (or of its revert) can end with.
ADD_STATUSES = (
    "added",
    "would_add",
    "skipped_duplicate",
    "invalid",
    "failed",
    "conflict",
    "not_attempted",
    "deleted",
    "not_found",
)

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
    photos it added."""

    client: ShoptetClient
    rows: pd.DataFrame
    dry_run: bool = False
    journal_path: Path | None = None
    journal_entries: list[dict[str, Any]] = field(default_factory=list)
    STATUSES: ClassVar[tuple[str, ...]] = ADD_STATUSES


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
