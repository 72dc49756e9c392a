"""The public verbs: ``apply`` a plan, or plan and apply in one call (``update_images``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from ..client import ShoptetClient
from ..errors import Interrupted
from ..plan import Plan, plan_updates
from .result import Result, dry_run_result
from .run import Progress, run_plan

_T = TypeVar("_T")


def apply(
    plan: Plan,
    *,
    on_error: str = "continue",
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
) -> Result:
    """Send a plan's changes, under the client's limits; a row of outcome per input row.

    ``on_error="stop"`` stops at the first failed call and leaves the rest ``not_attempted``;
    ``force=True`` overwrites images that changed since the plan's base. ``journal`` is a file
    path, ``None`` for a new file in the journal folder, or ``False`` for memory only.
    ``progress`` shows a bar (True), nothing (False), or calls ``progress(done, total)`` with
    galleries written so far (a widget's progress indicator). An interrupt sends nothing new,
    waits for the calls in flight and raises :class:`~shoptet_nb.Interrupted`; its ``result``
    is this Result so far (as do ``update_images`` and ``revert``).

    >>> result = shoptet_nb.apply(plan)      # doctest: +SKIP
    >>> result.rows["status"].value_counts() # doctest: +SKIP
    """
    return run_plan(
        plan,
        on_error=on_error,
        force=force,
        journal=journal,
        progress=progress,
        recheck=lambda key: True,
    )


def update_images(
    client: ShoptetClient,
    edits: pd.DataFrame,
    *,
    base: pd.DataFrame | None = None,
    dry_run: bool = False,
    on_error: str = "continue",
    force: bool = False,
    journal: str | Path | bool | None = None,
    progress: Progress = True,
) -> Result:
    """Plan and apply in one call. With ``dry_run=True`` nothing is written.

    Galleries the plan has just read are not read again before writing.
    """
    plan = planned(lambda: plan_updates(client, edits, base=base, progress=progress is True))
    if dry_run:
        return dry_run_result(plan)
    fresh = plan.fresh_keys
    return run_plan(
        plan,
        on_error=on_error,
        force=force,
        journal=journal,
        progress=progress,
        recheck=lambda key: key not in fresh,
    )


def planned(make: Callable[[], _T]) -> _T:
    """What ``make`` returns (a plan, or what it reads to plan); an interrupt while it reads
    the shop has sent nothing yet."""
    try:
        return make()
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted while reading the shop to plan: nothing was written "
            "(exc.result is None); run the same call again",
            None,
        ) from None
