"""Notebook rendering of plans and results: a count per status and an old → new table.

Captions are user data: every value goes through ``html.escape`` (pandas' ``to_html`` escapes
by default; the summary is built here by hand and escapes too).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pandas as pd


# What the renderers read of a Plan and a Result, named here so that this module imports
# neither (both import it for their _repr_html_).
class _Shop(Protocol):
    @property
    def is_sandbox(self) -> bool: ...


class _Plan(Protocol):
    @property
    def client(self) -> _Shop: ...
    @property
    def rows(self) -> pd.DataFrame: ...
    @property
    def requests(self) -> pd.DataFrame: ...
    @property
    def counts(self) -> dict[str, int]: ...


class _Result(Protocol):
    @property
    def client(self) -> _Shop: ...
    @property
    def rows(self) -> pd.DataFrame: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def journal_path(self) -> Path | None: ...


_COLOURS = {
    "would_update": "#1565c0",
    "updated": "#2e7d32",
    "unchanged": "#616161",
    "invalid": "#c62828",
    "not_found": "#ef6c00",
    "conflict": "#6a1b9a",
    "failed": "#c62828",
    "not_attempted": "#8d6e63",
    "added": "#2e7d32",
    "deleted": "#2e7d32",
    "restored": "#2e7d32",
    "would_add": "#1565c0",
    "would_delete": "#1565c0",
    "skipped_duplicate": "#616161",
    "skipped": "#616161",
    "blocked": "#ef6c00",
    "not_restored": "#8d6e63",
}

#: Columns a table of photos added, deleted or restored shows (those the rows have): where,
#: what happened, then what the photo is.
_PHOTO_COLUMNS = [
    *("guid", "gallery", "name", "status", "message", "restored_as"),
    *("product_name", "description", "source_url", "path"),
]

_DIFF_COLUMNS = [
    "guid",
    "gallery",
    "name",
    "status",
    "old_priority",
    "new_priority",
    "old_description",
    "new_description",
]
MAX_TABLE_ROWS = 50


def _badges(counts: dict[str, int]) -> str:
    parts = []
    for status, n in counts.items():
        if not n:
            continue
        colour = _COLOURS.get(status, "#424242")
        parts.append(
            f'<span style="display:inline-block;margin:2px 6px 2px 0;padding:1px 8px;'
            f'border-radius:10px;color:#fff;background:{colour}">'
            f"{html.escape(status)}: {n}</span>"
        )
    return "".join(parts) or "<em>no rows</em>"


def _table(rows: pd.DataFrame, columns: list[str], title: str) -> str:
    shown = rows[[c for c in columns if c in rows.columns]]
    more = len(shown) - MAX_TABLE_ROWS
    body = shown.head(MAX_TABLE_ROWS).to_html(escape=True, na_rep="", border=0)
    tail = f"<p><em>… and {more} more rows</em></p>" if more > 0 else ""
    return f"<details open><summary>{html.escape(title)}</summary>{body}{tail}</details>"


def plan_html(plan: _Plan) -> str:
    sandbox = " on the <b>SANDBOX</b> shop" if plan.client.is_sandbox else ""
    head = (
        f"<p><b>Plan</b>{sandbox}: {len(plan.rows)} rows, {len(plan.requests)} PATCH call(s) "
        f"to send. Nothing has been written.</p>"
    )
    parts = [head, f"<p>{_badges(plan.counts)}</p>"]
    changes = plan.rows[plan.rows["status"] == "would_update"]
    if not changes.empty:
        parts.append(_table(changes, _DIFF_COLUMNS, "Changes (old → new)"))
    problems = plan.rows[plan.rows["status"].isin(["invalid", "not_found", "conflict", "failed"])]
    if not problems.empty:
        parts.append(_table(problems, ["guid", "gallery", "name", "status", "reason"], "Problems"))
    return "".join(parts)


def result_html(result: _Result) -> str:
    sandbox = " on the <b>SANDBOX</b> shop" if result.client.is_sandbox else ""
    verb = "Dry run" if result.dry_run else "Result"
    head = f"<p><b>{verb}</b>{sandbox}: {len(result.rows)} rows.</p>"
    parts = [head, f"<p>{_badges(result.counts)}</p>"]
    bad = result.rows[result.rows["status"].isin(["failed", "conflict", "not_attempted"])]
    if not bad.empty:
        parts.append(
            _table(
                bad,
                ["guid", "gallery", "name", "status", "http_status", "error_code", "message"],
                "Rows that need attention",
            )
        )
    done = result.rows[result.rows["status"].isin(["updated", "would_update"])]
    if not done.empty:
        parts.append(_table(done, _DIFF_COLUMNS, "Changes (old → new)"))
    parts.append(_journal_line(result))
    return "".join(parts)


def _journal_line(result: _Result) -> str:
    if not result.journal_path:
        return ""
    # Only the file name: a full path would put the user's home folder into saved notebooks.
    name = html.escape(result.journal_path.name)
    return f"<p>Journal: <code>{name}</code> (full path in <code>.journal_path</code>)</p>"


def photos_html(result: _Result, what: str, attention: Sequence[str], done: Sequence[str]) -> str:
    """An add's, a delete's or their revert's result: counts, the rows that need attention
    (statuses ``attention``), then the rows done (``done``), every value escaped."""
    sandbox = " on the <b>SANDBOX</b> shop" if result.client.is_sandbox else ""
    verb = f"{what} (dry run)" if result.dry_run else what
    head = f"<p><b>{html.escape(verb)}</b>{sandbox}: {len(result.rows)} rows.</p>"
    parts = [head, f"<p>{_badges(result.counts)}</p>"]
    status = result.rows["status"]
    for statuses, title in ((attention, "Rows that need attention"), (done, "Rows done")):
        shown = result.rows[status.isin(list(statuses))]
        if not shown.empty:
            parts.append(_table(shown, _PHOTO_COLUMNS, title))
    parts.append(_journal_line(result))
    return "".join(parts)
