"""Pure retry and pacing decisions: no I/O, no clock, no randomness of their own.

Everything here is a plain function of its arguments so that the tests can pin the behaviour
down in tables. The client feeds them the response (or the exception) and the current time.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import datetime, timezone

#: Statuses worth another attempt: rate limit, the 423 write lock, server failure, maintenance.
RETRYABLE_STATUSES = frozenset({423, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay: float
    reason: str


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    Shoptet sends an HTTP date (``Mon, 01 Jul 2024 12:01:11 GMT``); other proxies send
    seconds. Unparseable values give None; a date in the past gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def parse_bucket_filling(value: str | None) -> tuple[float, float] | None:
    """``X-RateLimit-Bucket-Filling: 37/200`` → (37.0, 200.0); anything else → None."""
    if not value or "/" not in value:
        return None
    current, _, capacity = value.partition("/")
    try:
        level, size = float(current), float(capacity)
    except ValueError:
        return None
    if size <= 0 or level < 0:
        return None
    return level, size


def backoff_delay(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))].

    ``attempt`` counts the attempts made so far (1 after the first); ``jitter`` is a number in
    [0, 1) drawn by the caller, so the function itself stays deterministic.
    """
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling * jitter


def decide_retry(
    *,
    retry_safe: bool,
    attempt: int,
    max_attempts: int,
    status: int | None,
    error: str | None,
    retry_after: float | None,
    backoff_base: float,
    backoff_max: float,
    retry_after_cap: float,
    jitter: float,
) -> RetryDecision:
    """Whether to try a request again, after how long, and why.

    ``status`` is the HTTP status of the attempt, or None when it raised; ``error`` then names
    the transport failure (``"timeout"`` or ``"connection"``). Only requests that are safe to
    repeat are retried: GETs and the image PATCH, which sets absolute values.
    """
    if status is not None and status < 400:
        return RetryDecision(False, 0.0, "success")
    if status is not None and status not in RETRYABLE_STATUSES:
        return RetryDecision(False, 0.0, f"HTTP {status} is not worth repeating")
    if not retry_safe:
        return RetryDecision(False, 0.0, "the request is not safe to repeat")
    if attempt >= max_attempts:
        return RetryDecision(False, 0.0, f"gave up after {attempt} attempts")
    reason = f"HTTP {status}" if status is not None else (error or "transport error")
    delay = backoff_delay(attempt, backoff_base, backoff_max, jitter)
    if status == 429 and retry_after is not None:
        # The server said when the bucket has room again: waiting less only earns another 429.
        delay = min(retry_after, retry_after_cap) + delay * 0.1
        reason += f", Retry-After {retry_after:.1f}s"
    elif status == 423:
        # The write lock lasts up to ~5 s; an immediate retry meets the same lock.
        delay = max(delay, 1.0)
    return RetryDecision(True, delay, reason)


def pacing_wait(
    *,
    estimated_level: float,
    capacity: float,
    cost: float,
    reserve: float,
    leak_per_s: float,
) -> float:
    """Seconds to wait before sending a request so that the bucket keeps ``reserve`` free.

    ``estimated_level`` is the last reported filling, minus what has leaked since, plus the
    cost of requests already in flight. Below the threshold the answer is 0: pacing only starts
    when a long run has filled the bucket, and then holds it just under the threshold, which
    is the documented leak rate, the most any client can sustain.
    """
    threshold = capacity * (1.0 - reserve)
    overflow = estimated_level + cost - threshold
    if overflow <= 0:
        return 0.0
    return overflow / leak_per_s
