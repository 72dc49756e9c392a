"""TEMPORARY stand-in for ``shoptet_nb.edit_model.EditModel`` (branch ``editor``).

Only the caption part of the promised API, so the worklist view can be built and tested before
the real model lands; deleted when it is merged.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

Key = tuple[str, str, str]


def _text(value: object) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    return str(value)


class EditModel:
    def __init__(self) -> None:
        self._base: dict[Key, str | None] = {}
        self._edits: dict[Key, str] = {}
        self._conflicts: dict[Key, tuple[str, str | None]] = {}
        self._outcomes: dict[Key, dict[str, Any]] = {}
        self._undo: list[tuple[Key, str | None]] = []

    def load(self, frame: pd.DataFrame) -> None:
        for guid, gallery, name, description in frame[
            ["guid", "gallery", "name", "description"]
        ].itertuples(index=False):
            key = (str(guid), str(gallery), str(name))
            theirs = _text(description)
            if (
                key in self._base
                and key in self._edits
                and self._base[key] != theirs
                and self._edits[key] != (theirs or "")
            ):
                self._conflicts[key] = (self._edits[key], theirs)
            self._base[key] = theirs
            if self._edits.get(key) == (theirs or ""):
                self._edits.pop(key)

    def set_caption(self, guid: str, gallery: str, name: str, text: str | None) -> None:
        key = (guid, gallery, name)
        if key not in self._base:
            raise KeyError(key)
        new = text or ""
        self._undo.append((key, self._edits.get(key)))
        if new == (self._base[key] or ""):
            self._edits.pop(key, None)
        else:
            self._edits[key] = new
        self._outcomes.pop(key, None)
        self._conflicts.pop(key, None)

    def caption(self, guid: str, gallery: str, name: str) -> str:
        key = (guid, gallery, name)
        return self._edits.get(key, self._base.get(key) or "")

    @property
    def changes(self) -> pd.DataFrame:
        rows = [
            {"guid": k[0], "gallery": k[1], "name": k[2], "priority": None, "description": v}
            for k, v in self._edits.items()
            if k not in self._conflicts
        ]
        frame = pd.DataFrame(rows, columns=["guid", "gallery", "name", "priority", "description"])
        return frame.astype(
            {
                "guid": "string",
                "gallery": "string",
                "name": "string",
                "priority": "Int64",
                "description": "string",
            }
        )

    @property
    def conflicts(self) -> pd.DataFrame:
        rows = [
            {
                "guid": k[0],
                "gallery": k[1],
                "name": k[2],
                "field": "description",
                "yours": v[0],
                "theirs": v[1],
            }
            for k, v in self._conflicts.items()
        ]
        return pd.DataFrame(rows, columns=["guid", "gallery", "name", "field", "yours", "theirs"])

    def keep_mine(self, guid: str, gallery: str, name: str) -> None:
        self._conflicts.pop((guid, gallery, name), None)

    def take_theirs(self, guid: str, gallery: str, name: str) -> None:
        key = (guid, gallery, name)
        self._conflicts.pop(key, None)
        self._edits.pop(key, None)

    def undo(self) -> None:
        if not self._undo:
            return
        key, before = self._undo.pop()
        if before is None:
            self._edits.pop(key, None)
        else:
            self._edits[key] = before

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def reset(self, guid: str | None = None, gallery: str | None = None) -> None:
        for key in list(self._edits):
            if (guid is None or key[0] == guid) and (gallery is None or key[1] == gallery):
                self._edits.pop(key)
                self._conflicts.pop(key, None)
                self._outcomes.pop(key, None)

    def record(self, result: Any) -> None:
        for _, row in result.rows.iterrows():
            key = (str(row["guid"]), str(row["gallery"]), str(row["name"]))
            self._outcomes[key] = {
                "status": str(row["status"]),
                "message": _text(row.get("message")),
            }

    def outcome(self, guid: str, gallery: str, name: str) -> dict[str, Any] | None:
        return self._outcomes.get((guid, gallery, name))

    def state(self, guid: str, gallery: str, name: str) -> str | None:
        key = (guid, gallery, name)
        if key in self._conflicts:
            return "conflict"
        outcome = self._outcomes.get(key)
        if outcome and outcome["status"] not in ("updated", "unchanged"):
            return "failed"
        if key in self._edits:
            return "edited"
        if outcome:
            return "saved"
        return None

    @property
    def pending_count(self) -> int:
        return len(self._edits)

    @property
    def pending_products(self) -> list[str]:
        return list(dict.fromkeys(k[0] for k in self._edits))
