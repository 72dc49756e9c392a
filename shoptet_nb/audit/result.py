"""``ImageAudit``: what ``audit_images`` found, and the worklists made from it.

The worklists are frames the existing flows take: photos to replace (a copywriter's or a
photographer's list), and copies to delete in the shape of an images frame's key
(``guid``, ``gallery``, ``name``), the photo to keep left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..columns import AUDIT_PRODUCT_COLUMNS, IMAGE_KEY, typed
from .rules import AUDIT_RULES, RULES_2027


@dataclass
class ImageAudit:
    """The audit of a frame of photos.

    ``photos``: one row per input row (``AUDIT_COLUMNS``: sizes, format, hash, ``findings``,
    ``status`` ``ok``/``cached``/``failed``/``not_attempted``); ``products``: one row per
    product gallery (``AUDIT_PRODUCT_COLUMNS``); ``stats``: requests and bytes it took.

    >>> audit = shoptet_nb.audit_images(client, images)          # doctest: +SKIP
    >>> audit.products.sort_values("fail_2027", ascending=False)  # doctest: +SKIP
    >>> audit.to_replace()                                        # doctest: +SKIP
    """

    photos: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    #: Extra columns of the input (priority, is_main_image) used to choose the copy to keep.
    _order: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def products(self) -> pd.DataFrame:
        """Counts per product gallery: photos, each rule, ``fail_2027``, the smallest side."""
        photos = self.photos.drop_duplicates(IMAGE_KEY)
        rows = []
        for (guid, gallery), part in photos.groupby(["guid", "gallery"], sort=False):
            rules = [set(f) for f in part["findings"]]
            row: dict[str, Any] = {"guid": guid, "gallery": gallery, "photos": len(part)}
            for rule in AUDIT_RULES:
                if rule != "only_one_photo":
                    row[rule] = sum(rule in r for r in rules)
            row["fail_2027"] = sum(bool(r & set(RULES_2027)) for r in rules)
            row["only_one_photo"] = len(part) == 1
            row["failed"] = int((part["status"] == "failed").sum())
            sides = pd.concat([part["width"], part["height"]]).dropna()
            row["smallest_side"] = int(sides.min()) if len(sides) else None
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(AUDIT_PRODUCT_COLUMNS))
        return typed(frame, AUDIT_PRODUCT_COLUMNS).reset_index(drop=True)

    def to_replace(self, rules: tuple[str, ...] = RULES_2027) -> pd.DataFrame:
        """Photos to replace: those with a finding among ``rules`` (the 2027 rules by default;
        add ``"below_1500"`` for the recommended size), with a ``reason`` to read.

        >>> audit.to_replace().to_csv("replace.csv")   # doctest: +SKIP
        """
        unknown = set(rules) - set(AUDIT_RULES)
        if unknown:
            from ..errors import ArgumentError

            raise ArgumentError(f"unknown rule(s) {sorted(unknown)}; known: {list(AUDIT_RULES)}")
        photos = self.photos.drop_duplicates(IMAGE_KEY)
        chosen = photos["findings"].map(lambda found: any(r in rules for r in found))
        out = photos.loc[
            chosen.astype(bool),
            [*IMAGE_KEY, "width", "height", "bytes", "format", "findings", "url"],
        ].copy()
        out["reason"] = out["findings"].map(
            lambda found: "; ".join(AUDIT_RULES[r] for r in found if r in rules)
        )
        return out.reset_index(drop=True)

    def duplicates(self) -> pd.DataFrame:
        """Every photo that has a copy, by ``duplicate_group``, with ``keep`` saying which one
        of each gallery to keep (the largest, then the main image, then the lowest priority,
        then the name: a rule that never depends on the row order)."""
        photos = self.photos.drop_duplicates(IMAGE_KEY)
        grouped = photos[photos["duplicate_group"].notna()]
        columns = [*IMAGE_KEY, "duplicate_group", "width", "height", "bytes", "format", "url"]
        out = grouped[columns].copy()
        order = self._order if self._order is not None else pd.DataFrame(index=photos.index)
        out["pixels"] = (out["width"].astype("Float64") * out["height"].astype("Float64")).fillna(0)
        out["main"] = (
            order["is_main_image"].reindex(out.index).astype("boolean").fillna(False)
            if "is_main_image" in order
            else False
        )
        out["rank"] = (
            order["priority"].reindex(out.index).astype("Float64").fillna(float("inf"))
            if "priority" in order
            else 0.0
        )
        out = out.sort_values(
            ["duplicate_group", "guid", "gallery", "pixels", "main", "rank", "name"],
            ascending=[True, True, True, False, False, True, True],
            kind="stable",
        )
        out["keep"] = ~out.duplicated(["duplicate_group", "guid", "gallery"])
        return out.drop(columns=["pixels", "main", "rank"]).reset_index(drop=True)

    def to_delete(self) -> pd.DataFrame:
        """Copies within a gallery to delete (``guid``, ``gallery``, ``name``): every member of
        a duplicate group but the one to keep in its gallery (see :meth:`duplicates`). Photos
        shared across products are left alone: the same photo may belong to both.

        >>> audit.to_delete()     # the frame a future delete_images(client, frame) takes
        ...                       # doctest: +SKIP
        """
        found = self.duplicates()
        return found.loc[~found["keep"], IMAGE_KEY].reset_index(drop=True)

    def __repr__(self) -> str:
        counts = self.stats
        return (
            f"<ImageAudit {len(self.photos)} photos, {counts.get('fail_2027', 0)} fail the 2027 "
            f"rules, {counts.get('duplicates', 0)} in duplicate groups>"
        )

    def _repr_html_(self) -> str:
        counts = self.stats
        return (
            f"<b>Image audit</b>: {len(self.photos)} photos, "
            f"{counts.get('fail_2027', 0)} fail the 2027 rules, "
            f"{counts.get('duplicates', 0)} in duplicate groups; "
            f"downloaded {counts.get('downloaded', 0):,} bytes in {counts.get('requests', 0)} "
            f"requests ({counts.get('cached', 0)} from the cache). "
            "See <code>.photos</code>, <code>.products</code>, <code>.to_replace()</code>, "
            "<code>.to_delete()</code>."
        )
