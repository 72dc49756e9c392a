"""Times as Shoptet's API writes them; a leaf module so that both the client and the job
helpers it hands off to can use it without importing each other."""

from __future__ import annotations

from datetime import datetime, timezone


def format_shoptet_time(value: datetime | str) -> str:
    """A datetime in Shoptet's format, ``2024-05-29T09:02:27+0200`` (offset without colon)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")
