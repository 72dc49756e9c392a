"""Building a run's Result from what its workers recorded (also for a run an interrupt froze)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..columns import EDITABLE_FIELDS, RESULT_COLUMNS, typed
from ..frames import errors_to_frame, images_to_frame
from ..plan import ALREADY_DONE, KEY
from ..read import url_builder
from .result import Result
from .state import Run
from .values import plain, same

_KEEP = object()  # marks "this outcome says nothing about that column"


def result_of(run: Run, journal_path: Path | None) -> Result:
    plan = run.plan
    rows = plan.rows.rename(columns={"reason": "message"}).reset_index(drop=True)
    rows = rows.astype({c: "object" for c in rows.columns})
    for column in ("http_status", "error_code", "request_id"):
        rows[column] = None
    sent = np.flatnonzero((rows["status"] == "would_update").to_numpy())
    if len(sent):
        # One frame of outcomes, looked up by image key and written column by column.
        keys = list(run.outcomes)
        found = pd.MultiIndex.from_tuples(keys, names=KEY) if keys else None
        wanted = pd.MultiIndex.from_frame(
            rows.loc[sent, KEY].fillna({"language": ""}).astype(object)
        )
        where = found.get_indexer(wanted) if found is not None else np.full(len(sent), -1)
        missing = {"status": "not_attempted", "message": "not attempted: the run ended before it"}
        hit = where >= 0
        for column in rows.columns:
            # An outcome that does not name a column leaves the plan's value in it.
            given = np.array(
                [run.outcomes[keys[i]].get(column, _KEEP) for i in where[hit]], dtype=object
            )
            if not (given != _KEEP).any() and column not in missing:
                continue
            current = rows[column].to_numpy(dtype=object, copy=True)
            values = current[sent]
            chosen = values[hit]
            named = given != _KEEP
            chosen[named] = given[named]
            values[hit] = chosen
            if column in missing:
                values[~hit] = missing[column]
            current[sent] = values
            rows[column] = current
    _recheck_settled(run, rows)
    rows.index = plan.rows.index
    url_for = url_builder(run.client) if run.after else lambda name: None
    per_language = [
        images_to_frame(
            (
                (guid, plain(run.product_names.get(guid)), records)
                for (guid, _, lang), records in sorted(run.after.items())
                if lang == language
            ),
            url_for,
            language=language or None,
        )
        for language in sorted({key[2] for key in run.after}) or [""]
    ]
    images = (
        pd.concat(per_language, ignore_index=True) if len(per_language) > 1 else per_language[0]
    )
    return Result(
        client=plan.client,
        rows=typed(rows, RESULT_COLUMNS),
        images=images,
        errors=errors_to_frame(run.errors),
        plan=plan,
        journal_path=journal_path,
        journal_entries=run.journal.entries,
    )


def _recheck_settled(run: Run, rows: pd.DataFrame) -> None:
    """Rows the plan found already done: say what is known of them now, not at plan time.

    A gallery this run wrote was seen again (the server answers with it): a photo there that
    no longer has the row's values changed since the plan and is a ``conflict`` (not
    overwritten). Elsewhere the photo was not read again, and the message says so.
    """
    wanted = run.plan.wanted
    settled = np.flatnonzero(
        ((rows["status"] == "unchanged") & (rows["message"] == ALREADY_DONE)).to_numpy()
    )
    if wanted is None or not len(settled):
        return
    rows.loc[settled, "message"] = (
        "nothing sent: the image had these values when the plan compared them (not read again)"
    )
    seen = {
        (guid, gallery, record.get("name"), language): record
        for (guid, gallery, language), records in run.after.items()
        for record in records
    }
    if not seen:
        return
    keys = pd.MultiIndex.from_frame(rows.loc[settled, KEY].fillna({"language": ""}).astype(object))
    where = pd.MultiIndex.from_tuples(list(seen)).get_indexer(keys)
    records = list(seen.values())
    for position, found in zip(settled[where >= 0], where[where >= 0], strict=True):
        record = records[found]
        asked = wanted.iloc[position]
        moved = {
            f: record.get(f)
            for f in EDITABLE_FIELDS
            if not pd.isna(asked[f]) and not same(record.get(f), asked[f])
        }
        if not moved:
            rows.at[position, "message"] = ALREADY_DONE + " (seen again after this run's write)"
            continue
        what = (
            f"priority {asked['priority']} → {moved['priority']}"
            if "priority" in moved
            else "its caption was edited"
        )
        rows.at[position, "status"] = "conflict"
        rows.at[position, "message"] = (
            f"changed on the server since the plan ({what}); not overwritten: read again and "
            "re-plan"
        )
        rows.at[position, "old_priority"] = record.get("priority")
        rows.at[position, "old_description"] = record.get("description")
        rows.at[position, "new_priority"] = record.get("priority")
        rows.at[position, "new_description"] = record.get("description")
