"""The editor without a screen: what the gallery editor and the caption worklist say and do
below their views (the model of pending edits, the session that reads, plans and saves, the
words of their notices). Imports no widget library."""

from __future__ import annotations

from .model import EditModel
from .session import EditSession

__all__ = ["EditModel", "EditSession"]
