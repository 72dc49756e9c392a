"""The sandbox shop's registered webhooks: state the webhook and snapshot handlers share.

Reached through ``call.app.webhooks``; it knows nothing of requests, so the call context
(``exchange``) can name it without a circle. The sandbox never calls the URLs.
"""

from __future__ import annotations

import threading
from typing import Any

from . import clock
from .options import SandboxOptions
from .validation import invalid

_BUILT_IN_ID = 1


class Webhooks:
    """The shop's registered webhooks (thread-safe)."""

    def __init__(self, now: int) -> None:
        self._lock = threading.Lock()
        self._registered: list[dict[str, Any]] = []
        self._next_id = _BUILT_IN_ID + 1
        self._started = now

    def _built_in(self, options: SandboxOptions) -> list[dict[str, Any]]:
        if not options.job_webhook:
            return []
        return [
            {
                "id": _BUILT_IN_ID,
                "event": "job:finished",
                "url": "https://sandbox.shoptet-nb.test/_sandbox/job-finished",
                "created": clock.format_time(self._started),
                "updated": None,
                "sendPayload": None,
            }
        ]

    def all(self, options: SandboxOptions) -> list[dict[str, Any]]:
        """Every registered webhook (copies), the built-in one first."""
        with self._lock:
            return [dict(w) for w in self._built_in(options) + self._registered]

    def has_event(self, event: str, options: SandboxOptions) -> bool:
        """Whether a webhook is registered for ``event``."""
        return any(w["event"] == event for w in self.all(options))

    def register(
        self, items: list[dict[str, Any]], options: SandboxOptions, now: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """Register validated items; returns the new webhooks, or error items (nothing
        registered) when an event already has one."""
        with self._lock:
            taken = {w["event"] for w in self._built_in(options) + self._registered}
            clashes = [
                invalid(
                    f'Webhook already exists for this event "{item["event"]}".',
                    f"data[{i}].event",
                )
                for i, item in enumerate(items)
                if item["event"] in taken
            ]
            if clashes:
                return [], clashes
            created = []
            for item in items:
                webhook = {
                    "id": self._next_id,
                    "event": item["event"],
                    "url": item["url"],
                    "created": clock.format_time(now),
                    "updated": None,
                    "sendPayload": item.get("sendPayload"),
                }
                self._next_id += 1
                self._registered.append(webhook)
                created.append(dict(webhook))
            return created, []
