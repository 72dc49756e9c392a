"""Small value helpers of the write path: plain Python values out of frames, equality as the
shop sees it, and what a failed call says."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import APIError, NetworkError
from ..frames import parse_times


def records(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """The plan's targets as dicts of plain Python values (None for every null)."""
    columns = list(targets.columns)
    values = [[plain(v) for v in targets[c].tolist()] for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def plain(value: Any) -> Any:
    """pandas/numpy scalars → plain Python (None for every null), for JSON and comparisons."""
    if isinstance(value, (str, list, dict)):
        return value
    if value is None or pd.isna(value):  # None, NaN, NaT and pd.NA alike
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def same(a: Any, b: Any) -> bool:
    a, b = plain(a), plain(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return bool(a == b)


def changed_since(
    record: dict[str, Any], target: dict[str, Any], ours: dict[str, list[Any]] | None = None
) -> str:
    """Why the server's image differs from the plan's base, or '' when it does not.

    ``record`` is the image as read just now in the target's language. Shoptet renews a photo's
    ``changeTime`` (and signed names) for a change in *any* of its languages, so a moved time
    says someone changed the photo, not what: the fields read in this language say whether it
    was what this write replaces. Its caption that differs from the base is a conflict, and so
    is its priority when the write sends one; else the write goes on. With the same time (whole
    seconds: a change in the same second keeps it) any field that moved is a conflict.

    ``ours`` is set for a photo the run also writes in another language (the values it sends
    there): its priority and an untranslated caption may then have moved by the run's own hand,
    so only a value the run does not send counts as someone else's change.
    """
    base_time = target["change_time"]
    now_time = parse_times([record.get("changeTime")]).iloc[0]
    moved_time = base_time is not None and not pd.isna(now_time) and now_time != base_time
    when = (
        f"changeTime {base_time:%Y-%m-%d %H:%M:%S} → {now_time:%Y-%m-%d %H:%M:%S} UTC, "
        if moved_time and ours is None
        else ""
    )

    def moved(field: str) -> bool:
        now = record.get(field)
        expected = [target[f"old_{field}"], *(ours or {}).get(field, [])]
        return not any(same(now, value) for value in expected)

    # A moved time already says the photo changed: its priority (one for every language)
    # matters then only to a write that sends one.
    if moved("priority") and (not when or target["send_priority"]):
        return f"{when}priority {target['old_priority']} → {record.get('priority')}"
    if moved("description"):
        return f"{when}its caption was edited"
    return ""


def failure_info(exc: APIError | NetworkError) -> dict[str, Any]:
    if isinstance(exc, APIError):
        return {
            "http_status": exc.status,
            "error_code": exc.error_code,
            "message": str(exc),
            "request_id": exc.request_id,
        }
    return {
        "http_status": None,
        "error_code": "network-error",
        "message": str(exc),
        "request_id": None,
    }
