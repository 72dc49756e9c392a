"""Counters of what the sandbox saw and did, for tests and benchmarks.

Tokens never appear here: per-token figures are keyed by ``limits.token_label``.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters; ``snapshot`` returns plain dicts (the ``/_sandbox/stats`` body)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._responses: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._limited: Counter[str] = Counter()
            self._writes: Counter[str] = Counter()
            self._changes: Counter[str] = Counter()
            self._downloads: Counter[str] = Counter()
            self._pictures: Counter[str] = Counter()

    def request(self, key: str) -> None:
        """Count a request by ``"METHOD /path/template"``."""
        with self._lock:
            self._requests[key] += 1

    def response(self, status: int) -> None:
        """Count a response that was (or will be) sent."""
        with self._lock:
            self._responses[str(status)] += 1

    def fault(self, kind: str) -> None:
        """Count an injected fault (``drop`` after processing counts as ``drop``)."""
        with self._lock:
            self._faults[kind] += 1

    def limited(self, reason: str) -> None:
        """Count a request the limiter refused (``concurrency`` or ``bucket``)."""
        with self._lock:
            self._limited[reason] += 1

    def download(self, *, with_token: bool) -> None:
        """Count a result-file download, and whether it carried a Shoptet token header."""
        with self._lock:
            self._downloads["total"] += 1
            self._downloads["with_token"] += with_token

    def picture(self, size: int, *, with_token: bool) -> None:
        """Count an image file served by GET (a whole file or a range) and its body's bytes."""
        with self._lock:
            self._pictures["requests"] += 1
            self._pictures["bytes"] += size
            self._pictures["with_token"] += with_token

    def patched(self, prefix: str, applied: list[str], changed: list[str]) -> None:
        """Count applied and changed PATCH items under ``"guid/gallery/name"``."""
        with self._lock:
            for name in applied:
                self._writes[f"{prefix}/{name}"] += 1
            for name in changed:
                self._changes[f"{prefix}/{name}"] += 1

    def snapshot(
        self, max_concurrency: dict[str, int], buckets: dict[str, float]
    ) -> dict[str, Any]:
        """All counters as JSON-ready dicts."""
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "responses": dict(sorted(self._responses.items())),
                "faults": dict(sorted(self._faults.items())),
                "limited": dict(sorted(self._limited.items())),
                "max_concurrency": dict(sorted(max_concurrency.items())),
                "buckets": dict(sorted(buckets.items())),
                "writes": dict(sorted(self._writes.items())),
                "changes": dict(sorted(self._changes.items())),
                "downloads": {
                    "total": self._downloads["total"],
                    "with_token": self._downloads["with_token"],
                },
                "pictures": {
                    key: self._pictures[key] for key in ("requests", "bytes", "with_token")
                },
            }
