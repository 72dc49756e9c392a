"""Kept for imports written before the model moved: :mod:`shoptet_nb.editing.model`."""

from __future__ import annotations

from .editing.model import (
    CHANGE_COLUMNS,
    CONFLICT_COLUMNS,
    Action,
    EditModel,
    Outcome,
    frame_language,
    language_name,
    shop_order,
)

__all__ = [
    "CHANGE_COLUMNS",
    "CONFLICT_COLUMNS",
    "Action",
    "EditModel",
    "Outcome",
    "frame_language",
    "language_name",
    "shop_order",
]
