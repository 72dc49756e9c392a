"""The :class:`Plan` ``plan_updates`` returns, its display, and cutting it into parts."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from .._html import plan_html
from ..client import ShoptetClient
from ..columns import EDITABLE_FIELDS, IMAGE_KEY
from ..errors import ArgumentError
from .patch_calls import patch_calls

PLAN_STATUSES = ("would_update", "unchanged", "invalid", "not_found", "conflict", "failed")


@dataclass
class Plan:
    """What ``apply`` would do: a status per input row and the calls it would send.

    ``rows`` has the same index as the edits frame (columns in ``PLAN_COLUMNS``);
    ``requests`` has one row per PATCH call (at most 100 images each). In a notebook a plan
    shows as a summary with an old → new table of the changes.
    """

    client: ShoptetClient
    rows: pd.DataFrame
    #: One row per image to send: key, old and new values, the base changeTime, and which
    #: fields to send. ``apply`` works from this.
    targets: pd.DataFrame
    #: Galleries (guid, gallery, language) this plan read from the shop itself just now.
    fresh_keys: frozenset[tuple[str, str, str]] = frozenset()
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    base: pd.DataFrame | None = None
    #: The fields each row asked for (priority, description; null = leave), same positions as
    #: ``rows``: apply re-checks rows found ``unchanged`` against them.
    wanted: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status listed."""
        return count_statuses(self.rows, PLAN_STATUSES)

    @functools.cached_property
    def shared_photos(self) -> dict[tuple[str, str, str], dict[str, list[Any]]]:
        """Photos this plan writes in more than one language, with the values it sends them.

        Each language is its own PATCH, and each renews the photo's changeTime (and may change
        what another language shows: its priority, or a caption it has not translated): apply
        must not take this plan's own write in one language for someone's change in another.
        """
        targets = self.targets
        if targets.empty:
            return {}
        languages = targets.groupby(IMAGE_KEY, sort=False)["language"].transform("nunique")
        shared = targets[(languages > 1).to_numpy()]
        photos: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
        for target in shared.to_dict("records"):
            sent = photos.setdefault(
                (target["guid"], target["gallery"], target["name"]),
                {column: [] for column in EDITABLE_FIELDS},
            )
            for column in EDITABLE_FIELDS:
                if target[f"send_{column}"]:
                    sent[column].append(target[f"new_{column}"])
        return photos

    @functools.cached_property
    def requests(self) -> pd.DataFrame:
        """The PATCH calls apply would send: guid, gallery, language, n_images, images.

        Built on first use (``apply`` itself does not need it), so a large plan stays quick.
        """
        return patch_calls(self.targets, self.client.settings.max_images_per_call)

    @property
    def changes(self) -> pd.DataFrame:
        """The rows that would be sent, with their old and new values."""
        return self.rows[self.rows["status"] == "would_update"]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return f"<Plan {len(self.rows)} rows ({counts or 'empty'}), {len(self.requests)} calls>"

    def _repr_html_(self) -> str:
        return plan_html(self)


def count_statuses(rows: pd.DataFrame, statuses: tuple[str, ...]) -> dict[str, int]:
    """Rows per status, in the given order, zero for a status no row has."""
    found = rows["status"].value_counts()
    return {status: int(found.get(status, 0)) for status in statuses}


def split_plan(plan: Plan, galleries: int) -> list[Plan]:
    """The plan cut into parts of at most ``galleries`` galleries to write, in the plan's order.

    Applying the parts one after another sends exactly what applying ``plan`` would, but a
    caller sees each part's outcome before the next is sent (a widget shows rows as saved while
    the save goes on). Every language of a gallery stays in one part; a row that sends nothing
    (invalid, unchanged) goes with its gallery's part, or the first. Rows keep their index.

    >>> parts = split_plan(plan, 30)                                # doctest: +SKIP
    >>> results = [shoptet_nb.apply(part) for part in parts]        # doctest: +SKIP
    """
    if isinstance(galleries, bool) or not isinstance(galleries, int) or galleries < 1:
        raise ArgumentError(f"galleries must be a whole number of 1 or more: {galleries!r}")
    order = list(dict.fromkeys(_gallery_keys(plan.targets)))
    if len(order) <= galleries:
        return [plan]
    part_of = {key: position // galleries for position, key in enumerate(order)}

    def parts(frame: pd.DataFrame) -> np.ndarray:
        return np.array([part_of.get(key, 0) for key in _gallery_keys(frame)], dtype=int)

    row_parts, target_parts = parts(plan.rows), parts(plan.targets)
    base_parts = parts(plan.base) if plan.base is not None else None
    cut = []
    for part in range(len(order) // galleries + bool(len(order) % galleries)):
        rows = row_parts == part
        mine = {key for key, at in part_of.items() if at == part}
        cut.append(
            replace(
                plan,
                rows=plan.rows[rows],
                targets=plan.targets[target_parts == part].reset_index(drop=True),
                fresh_keys=frozenset(k for k in plan.fresh_keys if (k[0], k[1]) in mine),
                base=(
                    plan.base[base_parts == part].reset_index(drop=True)
                    if plan.base is not None and base_parts is not None
                    else None
                ),
                wanted=(
                    plan.wanted[rows].reset_index(drop=True) if plan.wanted is not None else None
                ),
            )
        )
    return cut


def _gallery_keys(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(guid, gallery) of each row, as text (a null reads "<NA>", which no gallery is)."""
    return list(
        zip(frame["guid"].astype(str).tolist(), frame["gallery"].astype(str).tolist(), strict=True)
    )
