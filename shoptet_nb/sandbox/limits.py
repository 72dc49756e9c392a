"""Shoptet's documented limits, per token: 3 requests in flight and a leaky bucket.

The bucket holds ``bucket_capacity`` drops and leaks ``leak_per_s``; a request is refused while
the bucket has no room for one more drop, otherwise it runs and is charged afterwards (Shoptet
computes the cost after the fact). The level never exceeds the capacity. With ``limits=False``
nothing is refused and nothing is charged: the header then reads ``0/<capacity>``, so that a
polite client has no reason to slow down (benchmarks of raw overhead rely on it).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

from .options import SandboxOptions


def token_label(token: str) -> str:
    """A short, non-reversible name for a token, safe for stats and logs."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:8]


@dataclass
class Admission:
    """The limiter's answer: ``refused`` is None, ``"concurrency"`` or ``"bucket"``."""

    refused: str | None
    retry_after_s: float = 0.0


@dataclass
class _TokenState:
    in_flight: int = 0
    peak: int = 0
    level: float = 0.0
    updated: float = 0.0
    charged: int = 0  # drops charged since the shop started (what a benchmark's bound needs)


class Limiter:
    """Concurrency and leaky-bucket accounting for every token (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, _TokenState] = {}

    def _state(self, label: str, options: SandboxOptions, now: float) -> _TokenState:
        state = self._tokens.get(label)
        if state is None:
            state = self._tokens[label] = _TokenState(updated=now)
        # Leak since the last look.
        state.level = max(0.0, state.level - (now - state.updated) * options.leak_per_s)
        state.updated = now
        return state

    def enter(self, label: str, options: SandboxOptions) -> Admission:
        """Admit a request or say why not; an admitted request must later call ``leave``."""
        with self._lock:
            now = time.monotonic()
            state = self._state(label, options, now)
            # The peak counts attempts, refused ones too: it shows how parallel a client was.
            state.peak = max(state.peak, state.in_flight + 1)
            if options.limits:
                if state.in_flight >= options.max_concurrent:
                    return Admission("concurrency", 0.0)
                room = options.bucket_capacity - 1
                if state.level > room:
                    return Admission("bucket", (state.level - room) / options.leak_per_s)
            state.in_flight += 1
            return Admission(None)

    def leave(self, label: str, options: SandboxOptions, cost: int) -> None:
        """End an admitted request and charge its cost."""
        with self._lock:
            state = self._state(label, options, time.monotonic())
            state.in_flight = max(0, state.in_flight - 1)
            if options.limits:
                state.level = min(float(options.bucket_capacity), state.level + cost)
                state.charged += cost

    def filling(self, label: str | None, options: SandboxOptions) -> str:
        """The ``X-RateLimit-Bucket-Filling`` value, e.g. ``37/200``."""
        with self._lock:
            level = 0.0
            if label is not None and label in self._tokens:
                level = self._state(label, options, time.monotonic()).level
            return f"{math.ceil(level - 1e-9)}/{options.bucket_capacity}"

    def peaks(self) -> dict[str, int]:
        """Highest number of simultaneous requests seen per token label."""
        with self._lock:
            return {label: s.peak for label, s in self._tokens.items()}

    def levels(self) -> dict[str, float]:
        """Current bucket level per token label."""
        with self._lock:
            return {label: round(s.level, 3) for label, s in self._tokens.items()}

    def charged(self) -> dict[str, int]:
        """Drops charged per token label since the shop started (never reset)."""
        with self._lock:
            return {label: s.charged for label, s in self._tokens.items()}

    def reset_peaks(self) -> None:
        """Forget the peaks (the buckets keep their level: time does not rewind)."""
        with self._lock:
            for state in self._tokens.values():
                state.peak = state.in_flight


def request_cost(options: SandboxOptions, images: int) -> int:
    """Decision: ``cost_base`` drops plus ``cost_per_10_images`` per full 10 images."""
    return options.cost_base + options.cost_per_10_images * (images // 10)
