"""Time formats the Shoptet API speaks, written independently of the client's parsers.

Shoptet writes times in the shop's zone with an offset *without* a colon and no fractions
(``2018-05-29T09:02:27+0200``) and ``Retry-After`` as an HTTP date.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import formatdate

try:
    from zoneinfo import ZoneInfo

    SHOP_ZONE: tzinfo = ZoneInfo("Europe/Prague")
except Exception:  # pragma: no cover - only on systems without tz data
    # Without tz data Prague is approximated by its winter offset; the format stays valid.
    SHOP_ZONE = timezone(timedelta(hours=1), "CET")

_QUERY_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:([+-])(\d{2}):?(\d{2})|Z)?$"
)


def now() -> int:
    """The current time as whole epoch seconds (Shoptet's resolution)."""
    return int(time.time())


@functools.lru_cache(maxsize=65536)
def format_time(epoch: int | None) -> str | None:
    """``2018-05-29T09:02:27+0200`` in the shop's zone, or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, SHOP_ZONE).strftime("%Y-%m-%dT%H:%M:%S%z")


def parse_query_time(text: str) -> int:
    """Epoch seconds of a filter value such as ``2024-01-01T00:00:00+0100``.

    ``+01:00``, ``Z`` and no offset (the shop's zone) are accepted too; anything else raises
    ``ValueError``.
    """
    match = _QUERY_TIME.match(text.strip())
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    sign, off_h, off_m = match.group(7), match.group(8), match.group(9)
    zone: tzinfo
    if sign is not None:
        delta = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-delta if sign == "-" else delta)
    elif text.strip().endswith("Z"):
        zone = timezone.utc
    else:
        zone = SHOP_ZONE
    return int(datetime(year, month, day, hour, minute, second, tzinfo=zone).timestamp())


def format_seconds(epoch: float | None) -> str | None:
    """``format_time`` of a moment with fractions (cut to whole seconds)."""
    return None if epoch is None else format_time(int(epoch))


def http_date_after(seconds: float, *, at: float | None = None) -> str:
    """HTTP date of ``seconds`` from now rounded up to a whole second, always after now."""
    start = time.time() if at is None else at
    moment = max(math.ceil(start + max(seconds, 0.0)), math.floor(start) + 1)
    return formatdate(moment, usegmt=True)


class ShopClock:
    """The shop's own time: the wall clock plus an offset that only moves forward.

    Jobs run and results expire by this clock, and PATCHes stamp ``changeTime`` with it, so a
    test can let a 5-second job finish or a result expire with ``advance`` instead of sleeping.
    Latency and the leaky bucket stay on real time: they are about the client's pace.

    >>> shop_clock = ShopClock()
    >>> before = shop_clock.time(); shop_clock.advance(60); shop_clock.time() - before >= 60
    True
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._lock = threading.Lock()

    def time(self) -> float:
        """Epoch seconds, with fractions."""
        with self._lock:
            wall = time.time() if self._frozen_at is None else self._frozen_at
            return wall + self._offset

    def freeze(self) -> None:
        """Stop the clock at the start of the current second (``advance`` still moves it), so
        a test can make two changes that Shoptet's whole-second ``changeTime`` cannot tell
        apart."""
        with self._lock:
            self._frozen_at = float(int(time.time() + self._offset)) - self._offset

    def now(self) -> int:
        """Whole epoch seconds (Shoptet's resolution)."""
        return int(self.time())

    def advance(self, seconds: float) -> None:
        """Move the shop's time forward (never back: ``seconds`` must be >= 0)."""
        if seconds < 0:
            raise ValueError("the shop's clock only moves forward")
        with self._lock:
            self._offset += seconds
