"""What an image audit adds to a photo's card: its size and short marks (2027 rule, copy).

Pure: from an :class:`~shoptet_nb.audit.ImageAudit` to plain dicts a view shows as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..audit import ImageAudit

__all__ = ["CARD_MARKS", "audit_marks"]

#: The short label a card shows for each audit rule (the full advice is its title).
CARD_MARKS: dict[str, str] = {
    "below_500": "under 500 px",
    "below_1500": "under 1500 px",
    "over_16mb": "over 16 MB",
    "over_64mp": "over 64 MP",
    "ext_mismatch": "wrong extension",
    "duplicate_in_gallery": "duplicate here",
    "duplicate_across_products": "also in another product",
}

#: Photo key: (guid, gallery, name).
Key = tuple[str, str, str]


def audit_marks(audit: ImageAudit) -> dict[Key, dict[str, Any]]:
    """``{(guid, gallery, name): {"size": "1200 × 800 px", "marks": [{rule, label, advice}]}}``
    for every photo the audit measured (a failed one has no size and no marks)."""
    from ..audit import AUDIT_RULES

    out: dict[Key, dict[str, Any]] = {}
    photos = audit.photos
    columns = ["guid", "gallery", "name", "width", "height", "findings"]
    for guid, gallery, name, width, height, findings in photos[columns].itertuples(index=False):
        measured = not (pd.isna(width) or pd.isna(height))
        rules = [rule for rule in (findings or ()) if rule in CARD_MARKS]
        out[(str(guid), str(gallery), str(name))] = {
            "size": f"{int(width)} × {int(height)} px" if measured else "",
            "marks": [
                {"rule": rule, "label": CARD_MARKS[rule], "advice": AUDIT_RULES[rule]}
                for rule in rules
            ],
        }
    return out
