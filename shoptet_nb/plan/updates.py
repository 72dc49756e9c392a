"""``plan_updates``: validate an edits frame, read what it needs from the shop, diff, classify."""

from __future__ import annotations

import pandas as pd

from ..client import ShoptetClient
from ..columns import EDITABLE_FIELDS, PLAN_COLUMNS, typed
from .classify import classify
from .diff import diff_edits, merge_targets
from .edits_frame import normalise
from .keys import NO_LANGUAGE, language_keys
from .model import Plan
from .row_rules import mark_contradictions, mark_unknown_languages, row_problems
from .shop_base import base_for, check_base


def plan_updates(
    client: ShoptetClient,
    edits: pd.DataFrame,
    *,
    base: pd.DataFrame | None = None,
    progress: bool = True,
) -> Plan:
    """Validate ``edits`` and diff them against ``base`` (or a fresh read); never writes.

    ``edits`` needs ``guid`` and ``name`` and any of ``priority`` and ``description``
    (optional ``gallery``, default ``"shop"``, and ``language``); the frame ``read_images``
    returns works as is, and camelCase API names are accepted. Null means unchanged. A row
    with a text in the optional ``invalid_reason`` column is ``invalid`` with that reason.

    >>> edited = images.assign(description=images["description"].str.strip())  # doctest: +SKIP
    >>> plan = shoptet_nb.plan_updates(client, edited, base=images)           # doctest: +SKIP
    """
    work = normalise(edits)
    status = pd.Series(pd.NA, index=work.index, dtype="object")
    reason = pd.Series(pd.NA, index=work.index, dtype="object")
    for mask, message in row_problems(work):
        new = mask & status.isna().to_numpy()
        if new.any():
            status[new] = "invalid"
            reason[new] = message(new).to_numpy() if callable(message) else message
    work["language"] = language_keys(client, work["language"])
    mark_unknown_languages(client, work, status, reason)
    nothing = status.isna() & work["priority"].isna() & work["description"].isna()
    status[nothing] = "unchanged"
    reason[nothing] = "priority and description are both null: nothing to change"
    mark_contradictions(work, status, reason)

    todo = status.isna()
    given = check_base(client, base, work[todo]) if base is not None else None
    base_frame, fresh, read_failures = base_for(client, work[todo], given, progress)
    merged = diff_edits(work, todo, base_frame)
    # A frame that came from read_images is its own base (unless base= says otherwise).
    own_times = given is None and bool(work["change_time"].notna().any())
    classify(merged, todo, status, reason, read_failures, base_frame, own_times)

    rows = work.assign(status=status, reason=reason)
    for column in ("old_priority", "new_priority", "old_description", "new_description"):
        rows[column] = merged[column]
    rows["language"] = rows["language"].replace(NO_LANGUAGE, pd.NA)
    targets = merge_targets(merged[status == "would_update"])
    plan_rows = typed(rows, PLAN_COLUMNS)
    plan_rows.index = edits.index
    return Plan(
        client=client,
        rows=plan_rows,
        targets=targets,
        fresh_keys=fresh,
        base=base_frame.assign(language=base_frame["language"].replace(NO_LANGUAGE, pd.NA)),
        wanted=work[list(EDITABLE_FIELDS)].reset_index(drop=True),
    )
