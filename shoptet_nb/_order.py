"""The fewest priority writes that give one gallery a wanted order (pure, no pandas frames).

Shoptet shows a gallery by priority ascending, photos without a priority last. It documents no
order for equal priorities, so a wanted order is reached with **distinct** priorities only: no
write ever leaves two photos on one number and counts on their names (or anything else) to
order them. Every priority the editor, ``move_to_front`` or ``reorder`` changes renews that
photo's ``changeTime`` and CDN URL, so the new order is reached by rewriting as few photos as
possible. :func:`fewest_priority_changes` is the one place that decides which.

How the minimum is found. Write the wanted order as positions ``0..m-1`` (after taking off the
photos without a priority that may stay at the end). Each step to the next photo needs the
priority to go up by at least one, so two photos ``i < j`` can both keep their priorities, with
every photo between them rewritten, exactly when ``p[j] - p[i] >= j - i``, i.e. when
``v[i] <= v[j]`` for ``v[k] = p[k] - k``. Room from 1 at the start and up to 65535 at the end
bounds each kept ``v`` to ``1 .. 65535 - (m - 1)``. So the photos to keep are a longest
non-decreasing subsequence of ``v`` among the photos in those bounds: O(n log n). A gallery
that already has ties among its photos loses them when its order is changed: the rewritten
order depends on nothing but the numbers.

Photos without a priority at the end are left as they are (a priority cannot be cleared): the
shop lists them after all the others, in the order it keeps for them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import pairwise

from .errors import ArgumentError, FrameError

#: Shoptet accepts priorities in this range on PATCH.
MIN_PRIORITY = 1
MAX_PRIORITY = 65535

__all__ = ["MAX_PRIORITY", "MIN_PRIORITY", "fewest_priority_changes", "shop_order"]


class NoRoomError(FrameError):
    """The wanted order needs more distinct priorities than 1..65535 offers."""


def _whole(name: str, value: object) -> int | None:
    """A priority as int, or None for a missing one (None, NaN, pd.NA)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, bool):
        raise ArgumentError(f"photo {name!r}: priority must be a whole number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError(
            f"photo {name!r}: priority must be a whole number or None, got {value!r}"
        ) from None
    if math.isnan(number):
        return None
    if not number.is_integer():
        raise ArgumentError(f"photo {name!r}: priority must be a whole number, got {value!r}")
    return int(number)


def shop_order(priorities: Mapping[str, int | None]) -> list[str]:
    """Names in the order the shop shows them: priority ascending, None last, ties by name.

    >>> shop_order({"b.jpg": 1, "a.jpg": None, "c.jpg": 1})
    ['b.jpg', 'c.jpg', 'a.jpg']
    """
    return sorted(priorities, key=lambda n: (priorities[n] is None, priorities[n] or 0, n))


def _check_permutation(priorities: Mapping[str, object], wanted: Sequence[str]) -> list[str]:
    if isinstance(wanted, str):
        raise ArgumentError("wanted must be a list of names, not one string")
    order = list(wanted)
    repeated = sorted(name for name, count in Counter(order).items() if count > 1)
    missing = sorted(set(priorities) - set(order))
    unknown = sorted(set(order) - set(priorities), key=str)
    if repeated or missing or unknown:
        problems = [
            f"{label}: {', '.join(map(repr, names[:5]))}{' ...' if len(names) > 5 else ''}"
            for label, names in (("repeated", repeated), ("missing", missing), ("unknown", unknown))
            if names
        ]
        raise ArgumentError(
            "wanted must list every photo of the gallery exactly once (" + "; ".join(problems) + ")"
        )
    return order


def _longest_chain(values: Sequence[int | None]) -> list[int]:
    """Positions of a longest non-decreasing subsequence of the non-None ``values``.

    Patience sorting: among chains of equal length it keeps the one with the smallest last
    value, so the photos kept are the ones lowest in their room.
    """
    tails: list[int] = []  # tails[k]: smallest last value of a chain of length k+1
    tail_at: list[int] = []  # its position
    before: dict[int, int] = {}
    for position, value in enumerate(values):
        if value is None:
            continue
        k = bisect_right(tails, value)
        if k:
            before[position] = tail_at[k - 1]
        if k == len(tails):
            tails.append(value)
            tail_at.append(position)
        else:
            tails[k] = value
            tail_at[k] = position
    chain: list[int] = []
    position = tail_at[-1] if tail_at else -1
    while position >= 0:
        chain.append(position)
        position = before.get(position, -1)
    return chain[::-1]


def _fill(
    count: int,
    left: int | None,
    right: int | None,
    top: int,
) -> list[int]:
    """``count`` distinct increasing priorities between the kept neighbours' ``left`` and
    ``right`` (spread across the gap between two neighbours, next to the neighbour at either
    end of the gallery). The caller has checked that the gap has room."""
    low = left if left is not None else MIN_PRIORITY - 1
    high = right if right is not None else top + 1
    if left is not None and right is not None:
        gap = high - low
        return [low + (t * gap) // (count + 1) for t in range(1, count + 1)]
    if right is not None:
        return list(range(high - count, high))
    return list(range(low + 1, low + 1 + count))


def _fewest_changes(
    priorities: Mapping[str, object], wanted: Sequence[str], top: int
) -> dict[str, int]:
    """:func:`fewest_priority_changes` with the highest allowed priority as a parameter."""
    order = _check_permutation(priorities, wanted)
    current = {name: _whole(name, priorities[name]) for name in order}
    if shop_order(current) == order:
        return {}
    # Photos without a priority already at the end in name order stay as they are.
    m = len(order)
    while m and current[order[m - 1]] is None and (m == len(order) or order[m - 1] < order[m]):
        m -= 1
    head = order[:m]
    ceiling = top - (m - 1)
    if ceiling < MIN_PRIORITY:
        raise NoRoomError(
            f"this order needs more than {top} distinct priorities (the shop documents no "
            "order for equal ones)"
        )
    slack: list[int | None] = []
    for k, name in enumerate(head):
        p = current[name]
        v = None if p is None else p - k
        slack.append(v if v is not None and MIN_PRIORITY <= v <= ceiling else None)
    kept = _longest_chain(slack)

    changes: dict[str, int] = {}
    bounds = [-1, *kept, m]
    for left_at, right_at in pairwise(bounds):
        names = head[left_at + 1 : right_at]
        if not names:
            continue
        left = current[head[left_at]] if left_at >= 0 else None
        right = current[head[right_at]] if right_at < m else None
        for name, value in zip(names, _fill(len(names), left, right, top), strict=True):
            if value != current[name]:
                changes[name] = value
    return changes


def fewest_priority_changes(
    priorities: Mapping[str, int | None], wanted: Sequence[str]
) -> dict[str, int]:
    """The fewest priority changes that make one gallery show the photos in ``wanted`` order.

    ``priorities`` maps every photo of one gallery (by file name) to its priority (None for
    none); ``wanted`` lists all those names in the wanted order. Returns ``{name: priority}``
    for only the photos that must change, with priorities in 1..65535, such that the shop's
    order (priority ascending, None last, ties by name) is exactly ``wanted``:

    * every photo with a priority ends on a number of its own, increasing along ``wanted``:
      Shoptet documents no order for equal priorities, so none is relied on;
    * the largest set of photos whose priorities already follow the wanted order, with room
      for the others between them, keep theirs;
    * the others get distinct numbers spread across the gap between their neighbours;
    * photos without a priority that stay at the end, in name order, keep none.

    Raises ArgumentError when ``wanted`` is not the gallery's names once each, and FrameError
    when no priorities in 1..65535 give the order (more than 65535 photos to order).

    >>> gallery = {"a.jpg": 10, "b.jpg": 20, "c.jpg": 30}
    >>> fewest_priority_changes(gallery, ["a.jpg", "c.jpg", "b.jpg"])
    {'c.jpg': 15}
    >>> fewest_priority_changes(gallery, ["c.jpg", "a.jpg", "b.jpg"])
    {'c.jpg': 9}
    """
    return _fewest_changes(priorities, wanted, MAX_PRIORITY)
