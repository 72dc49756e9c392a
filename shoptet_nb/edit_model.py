"""Kept for imports written before the model moved: :mod:`shoptet_nb.editing.model`."""

from __future__ import annotations

from .editing import model as _model
from .editing.model import *  # noqa: F403  (the same public names, re-exported)

__all__ = list(_model.__all__)
