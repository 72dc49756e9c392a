"""Politeness towards one token's limits, shared by every client of that token in the process.

Shoptet counts limits per token: 3 requests in flight and a leaky bucket. Two clients made with
the same token in one notebook must share one budget, so limiters live in a registry keyed by
the endpoint and a fingerprint of the token (never the token itself).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._retry import pacing_wait

# How often a request waiting for a slot or for pacing looks at its run's stop event.
_STOP_POLL_S = 0.05


class Cancelled(Exception):
    """A request given up before it was sent, because its run was told to stop (an interrupt).

    Internal: the run that set the stop event turns it into row statuses.
    """


class TokenLimiter:
    """A semaphore for requests in flight plus a local estimate of the server's bucket."""

    def __init__(
        self,
        *,
        max_in_flight: int,
        leak_per_s: float,
        reserve: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._leak = leak_per_s
        self._reserve = reserve
        self._level = 0.0  # drops in the bucket at the time of the last report
        self._reported_at = clock()
        self._capacity: float | None = None  # unknown until the server has told us
        self._pending = 0.0  # estimated cost of requests sent but not yet answered
        self._paused_until = 0.0
        self.in_flight = 0
        self.max_seen_in_flight = 0

    def _estimate(self, now: float) -> float:
        leaked = (now - self._reported_at) * self._leak
        return max(0.0, self._level - leaked) + self._pending

    def _wait_time(self, cost: float, pace: bool) -> float:
        now = self._clock()
        wait = max(0.0, self._paused_until - now)
        if pace and self._capacity is not None:
            wait = max(
                wait,
                pacing_wait(
                    estimated_level=self._estimate(now),
                    capacity=self._capacity,
                    cost=cost,
                    reserve=self._reserve,
                    leak_per_s=self._leak,
                ),
            )
        return wait

    @contextmanager
    def slot(
        self, cost: float = 1.0, *, pace: bool = True, stop: threading.Event | None = None
    ) -> Iterator[None]:
        """Hold one of the in-flight slots, after waiting as long as pacing asks.

        With ``stop``, the wait ends with :class:`Cancelled` as soon as it is set, and a set
        ``stop`` is checked once more just before the slot is granted: nothing is sent after it.
        """
        self._acquire(stop)
        try:
            while True:
                if stop is not None and stop.is_set():
                    raise Cancelled
                with self._lock:
                    wait = self._wait_time(cost, pace)
                    if wait <= 0:
                        self._pending += cost
                        self.in_flight += 1
                        self.max_seen_in_flight = max(self.max_seen_in_flight, self.in_flight)
                        break
                if stop is None:
                    self._sleep(min(wait, 1.0))
                else:
                    stop.wait(min(wait, _STOP_POLL_S))
            try:
                yield
            finally:
                with self._lock:
                    self._pending = max(0.0, self._pending - cost)
                    self.in_flight -= 1
        finally:
            self._slots.release()

    def _acquire(self, stop: threading.Event | None) -> None:
        if stop is None:
            self._slots.acquire()
            return
        # Another client of the same token may hold the slots: look at stop while waiting.
        while not self._slots.acquire(timeout=_STOP_POLL_S):
            if stop.is_set():
                raise Cancelled

    def report(self, level: float, capacity: float) -> None:
        """Record the bucket filling a response reported (it already includes its own cost)."""
        with self._lock:
            self._level = level
            self._capacity = capacity
            self._reported_at = self._clock()

    def pause(self, seconds: float) -> None:
        """Hold every request of this token for ``seconds`` (after a 429 with Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_registry: dict[tuple[str, str], TokenLimiter] = {}
_registry_lock = threading.Lock()


def token_fingerprint(token: str) -> str:
    """A short, non-reversible label of a token, for keys and logs."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def shared_limiter(key: tuple[str, str], factory: Callable[[], TokenLimiter]) -> TokenLimiter:
    """The limiter of one (endpoint, token fingerprint), created on first use."""
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = factory()
        return limiter
