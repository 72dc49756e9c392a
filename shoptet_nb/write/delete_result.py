"""The Result of a delete (and of its revert): a row of outcome per input row, the journal and
the archive folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._html import photos_html
from ..client import ShoptetClient
from .delete_plan import DeletePlan

#: Every status a delete's row can end with.
DELETE_STATUSES = (
    "deleted",
    "would_delete",
    "blocked",
    "not_found",
    "conflict",
    "failed",
    "invalid",
    "not_attempted",
)

#: What needs a look: ``failed`` ... are :attr:`DeleteResult.failed`; a notebook also
#: shows ``invalid`` and ``not_found`` rows among them.
_ATTENTION = ("failed", "conflict", "not_attempted", "blocked", "not_restored", "invalid",
              "not_found")  # fmt: skip

#: Every status a revert of a delete gives a row.
RESTORE_STATUSES = ("restored", "not_restored", "failed", "skipped")


@dataclass
class DeleteResult:
    """What a delete did: ``rows`` (one per input row, the plan's columns plus ``http_status``,
    ``request_id``, ``sha256`` and ``archive_file``), where the journal and the archive are.

    A revert's result has the same shape with a ``restored_as`` column (the new photo's name:
    Shoptet gives a re-added photo a new name and URL).
    """

    client: ShoptetClient
    rows: pd.DataFrame
    plan: DeletePlan | None
    dry_run: bool = False
    journal_path: Path | None = None
    archive_dir: Path | None = None
    journal_entries: list[dict[str, Any]] = field(default_factory=list)
    statuses: tuple[str, ...] = DELETE_STATUSES

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status listed."""
        found = self.rows["status"].value_counts()
        return {status: int(found.get(status, 0)) for status in self.statuses}

    @property
    def failed(self) -> pd.DataFrame:
        """Rows that need attention: not done for a reason that may pass (``blocked``
        included: a variant still shows the photo)."""
        return self.rows[self.rows["status"].isin(_ATTENTION[:-2])]

    def _repr_html_(self) -> str:
        if self.statuses == RESTORE_STATUSES:
            return photos_html(self, "Restore of a delete", _ATTENTION, ("restored",))
        return photos_html(self, "Delete", _ATTENTION, ("deleted", "would_delete"))

    def __repr__(self) -> str:
        shown = [f"{status}={n}" for status, n in self.counts.items() if n]
        where = f", archive {self.archive_dir}" if self.archive_dir else ""
        what = "dry run" if self.dry_run else "result"
        return (
            f"<DeleteResult ({what}) {len(self.rows)} rows: {', '.join(shown) or 'empty'}{where}>"
        )
