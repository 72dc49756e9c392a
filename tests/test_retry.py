"""The retry and pacing decisions, as tables."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shoptet_nb._retry import (
    backoff_delay,
    decide_retry,
    pacing_wait,
    parse_bucket_filling,
    parse_retry_after,
)

NOW = datetime(2024, 7, 1, 12, 1, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 01 Jul 2024 12:01:11 GMT", 11.0),  # Shoptet's form: an HTTP date
        ("Mon, 01 Jul 2024 12:00:00 GMT", 0.0),  # already past → no wait, not negative
        ("7", 7.0),  # delta-seconds, as other proxies send
        ("0", 0.0),
        ("  12 ", 12.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("-3", None),
        ("1.5", None),  # not a valid delta-seconds
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("37/200", (37.0, 200.0)),
        ("0/200", (0.0, 200.0)),
        ("200/200", (200.0, 200.0)),
        ("12.5/200", (12.5, 200.0)),
        ("37", None),
        ("a/b", None),
        ("5/0", None),
        ("-1/200", None),
        (None, None),
    ],
)
def test_parse_bucket_filling(header: str | None, expected: tuple[float, float] | None) -> None:
    assert parse_bucket_filling(header) == expected


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"),
    [(1, 1.0, 0.5), (2, 1.0, 1.0), (3, 1.0, 2.0), (4, 0.5, 2.0), (10, 1.0, 20.0), (1, 0.0, 0.0)],
)
def test_backoff_delay_grows_and_is_capped(attempt: int, jitter: float, expected: float) -> None:
    assert backoff_delay(attempt, base=0.5, cap=20.0, jitter=jitter) == pytest.approx(expected)


def _decide(**overrides: object) -> tuple[bool, float, str]:
    args: dict[str, object] = {
        "retry_safe": True,
        "attempt": 1,
        "max_attempts": 5,
        "status": 500,
        "error": None,
        "retry_after": None,
        "backoff_base": 0.5,
        "backoff_max": 20.0,
        "retry_after_cap": 60.0,
        "jitter": 1.0,
    }
    args.update(overrides)
    d = decide_retry(**args)  # type: ignore[arg-type]
    return d.retry, d.delay, d.reason


@pytest.mark.parametrize(
    ("overrides", "retry", "delay"),
    [
        ({"status": 200}, False, 0.0),
        ({"status": 400}, False, 0.0),
        ({"status": 401}, False, 0.0),
        ({"status": 404}, False, 0.0),
        ({"status": 409}, False, 0.0),
        ({"status": 422}, False, 0.0),
        ({"status": 500}, True, 0.5),
        ({"status": 503, "attempt": 3}, True, 2.0),
        ({"status": 423}, True, 1.0),  # the write lock: never sooner than a second
        ({"status": 429}, True, 0.5),  # no Retry-After: plain backoff
        ({"status": 429, "retry_after": 11.0}, True, 11.05),  # the server's word wins
        ({"status": 429, "retry_after": 600.0}, True, 60.05),  # capped
        ({"status": None, "error": "timeout"}, True, 0.5),
        ({"status": None, "error": "connection", "attempt": 2}, True, 1.0),
        ({"status": 500, "attempt": 5}, False, 0.0),  # attempt limit reached
        ({"status": 500, "max_attempts": 1}, False, 0.0),  # retries disabled
        ({"status": 500, "retry_safe": False}, False, 0.0),  # not safe to repeat
        ({"status": None, "error": "timeout", "retry_safe": False}, False, 0.0),
    ],
)
def test_decide_retry(overrides: dict[str, object], retry: bool, delay: float) -> None:
    got_retry, got_delay, reason = _decide(**overrides)
    assert got_retry is retry
    assert got_delay == pytest.approx(delay)
    assert reason


def test_decide_retry_reason_names_the_cause() -> None:
    assert "Retry-After" in _decide(status=429, retry_after=3.0)[2]
    assert "timeout" in _decide(status=None, error="timeout")[2]
    assert "not safe" in _decide(retry_safe=False)[2]


@pytest.mark.parametrize(
    ("level", "cost", "expected"),
    [
        (0.0, 1.0, 0.0),  # empty bucket: no pacing
        (150.0, 1.0, 0.0),  # below the 10 % reserve threshold (180)
        (179.0, 1.0, 0.0),  # exactly at the threshold
        (180.0, 1.0, 0.1),  # one drop over: wait for one drop to leak
        (190.0, 1.0, 1.1),
        (200.0, 11.0, 3.1),  # a 100-image PATCH costs more and waits longer
    ],
)
def test_pacing_wait(level: float, cost: float, expected: float) -> None:
    wait = pacing_wait(
        estimated_level=level, capacity=200.0, cost=cost, reserve=0.1, leak_per_s=10.0
    )
    assert wait == pytest.approx(expected)
