"""Tests for fewest_priority_changes: the wanted order results, with the fewest writes.

The minimum is checked against a brute-force oracle that knows nothing of the algorithm: it
tries every set of photos to keep, largest first, and for the rest every priority in 1..top,
and accepts only results whose order the numbers alone decide: Shoptet documents no order for
equal priorities, so no photo with a priority may share its number with another (photos
without one stay at the end as the shop lists them).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoptet_nb._order import _fewest_changes
from shoptet_nb.edits import MAX_PRIORITY, fewest_priority_changes
from shoptet_nb.errors import ArgumentError, FrameError

NAMES = ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg", "g.jpg"]


def shop_sorted(priorities: Mapping[str, int | None]) -> list[str]:
    """The oracle's own copy of the shop's order: priority, None last, then name."""
    return sorted(
        priorities, key=lambda n: (math.inf if priorities[n] is None else priorities[n], n)
    )


def after(priorities: Mapping[str, int | None], changes: Mapping[str, int]) -> list[str]:
    return shop_sorted({**priorities, **changes})


def can_keep(
    priorities: Mapping[str, int | None], wanted: Sequence[str], kept: set[str], top: int
) -> bool:
    """Whether some priorities in 1..top for the photos not kept give exactly ``wanted``."""

    def before(previous: tuple[float, str], here: tuple[float, str]) -> bool:
        # Numbers must rise strictly; only photos left without one are ordered by name.
        if previous[0] == here[0] == math.inf:
            return previous[1] < here[1]
        return previous[0] < here[0]

    def extend(position: int, previous: tuple[float, str] | None) -> bool:
        if position == len(wanted):
            return True
        name = wanted[position]
        options = [priorities[name]] if name in kept else list(range(1, top + 1))
        for value in options:
            here = (math.inf if value is None else value, name)
            if (previous is None or before(previous, here)) and extend(position + 1, here):
                return True
        return False

    return extend(0, None)


def fewest_writes(
    priorities: Mapping[str, int | None], wanted: Sequence[str], top: int
) -> int | None:
    """The least number of photos to rewrite, or None when no priorities in 1..top work."""
    names = list(wanted)
    for size in range(len(names), -1, -1):
        for kept in itertools.combinations(names, size):
            if can_keep(priorities, wanted, set(kept), top):
                return len(names) - size
    return None


@st.composite
def galleries(
    draw: st.DrawFn, top: int, max_size: int = 6
) -> tuple[dict[str, int | None], list[str]]:
    size = draw(st.integers(1, max_size))
    names = draw(st.permutations(NAMES[:size]))
    values = st.one_of(st.none(), st.integers(1, top))
    priorities = {name: draw(values) for name in names}
    wanted = draw(st.permutations(names))
    return priorities, list(wanted)


def check(priorities: dict[str, int | None], wanted: list[str], top: int) -> dict[str, int]:
    changes = _fewest_changes(priorities, wanted, top)
    assert after(priorities, changes) == wanted
    assert all(1 <= value <= top and value != priorities[name] for name, value in changes.items())
    if changes:  # a reordered gallery's order rests on distinct numbers, never on a tie
        numbers = [v for v in {**priorities, **changes}.values() if v is not None]
        assert len(numbers) == len(set(numbers)), {**priorities, **changes}
    return changes


@settings(max_examples=300, deadline=None)
@given(data=st.data(), top=st.integers(2, 5))
def test_the_wanted_order_results_with_the_brute_force_minimum(
    data: st.DataObject, top: int
) -> None:
    priorities, wanted = data.draw(galleries(top))
    if wanted == shop_sorted(priorities):
        assert _fewest_changes(priorities, wanted, top) == {}  # nothing moves, nothing written
        return
    least = fewest_writes(priorities, wanted, top)
    if least is None:
        with pytest.raises(FrameError, match=f"more than {top} distinct priorities"):
            _fewest_changes(priorities, wanted, top)
        return
    changes = check(priorities, wanted, top)
    assert len(changes) == least


@pytest.mark.parametrize(
    ("priorities", "wanted", "writes"),
    [
        ({"a": 1, "b": 2, "c": 3}, ["c", "b", "a"], 2),
        ({"a": 1, "b": 1, "c": 1}, ["c", "b", "a"], 2),
        ({"a": None, "b": None, "c": 1}, ["a", "c", "b"], 2),  # a cannot tie with c
        ({"a": None, "b": None, "c": None}, ["b", "a", "c"], 1),
        ({"a": 2, "b": None, "c": 2}, ["c", "a", "b"], 1),
    ],
)
def test_small_cases_against_the_oracle(
    priorities: dict[str, int | None], wanted: list[str], writes: int
) -> None:
    assert fewest_writes(priorities, wanted, top=4) == writes
    assert len(check(priorities, wanted, 4)) == writes


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_unchanged_order_writes_nothing(data: st.DataObject) -> None:
    # Priorities outside 1..65535 too: an order that is already right needs no write.
    values = st.one_of(st.none(), st.integers(-5, 70000))
    names = data.draw(st.lists(st.sampled_from(NAMES), min_size=1, unique=True))
    priorities = {name: data.draw(values) for name in names}
    assert fewest_priority_changes(priorities, shop_sorted(priorities)) == {}


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_swapping_two_neighbours_with_distinct_priorities_is_at_most_two_writes(
    data: st.DataObject,
) -> None:
    size = data.draw(st.integers(2, 7))
    names = data.draw(st.permutations(NAMES[:size]))
    distinct = data.draw(
        st.lists(st.integers(1, MAX_PRIORITY), min_size=2, max_size=size, unique=True)
    )
    priorities: dict[str, int | None] = dict.fromkeys(names)
    priorities.update(zip(names, distinct, strict=False))
    order = shop_sorted(priorities)
    i = data.draw(st.integers(0, len(distinct) - 2))  # both neighbours have a priority
    wanted = [*order[:i], order[i + 1], order[i], *order[i + 2 :]]
    changes = check(priorities, wanted, MAX_PRIORITY)
    assert 1 <= len(changes) <= 2


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_one_move_in_a_gallery_with_gaps_is_one_write(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 7))
    names = data.draw(st.permutations(NAMES[:size]))
    steps = data.draw(st.lists(st.integers(2, 1000), min_size=size, max_size=size))
    priorities: dict[str, int | None] = dict(zip(names, itertools.accumulate(steps), strict=True))
    order = shop_sorted(priorities)
    moved = order.pop(data.draw(st.integers(0, size - 1)))
    order.insert(data.draw(st.integers(0, size - 1)), moved)
    changes = check(priorities, order, MAX_PRIORITY)
    assert len(changes) == (0 if order == shop_sorted(priorities) else 1)


def test_a_move_takes_the_room_in_the_gap_and_leaves_the_rest() -> None:
    gallery = {"a.jpg": 10, "b.jpg": 20, "c.jpg": 30, "d.jpg": 40}
    assert fewest_priority_changes(gallery, ["a.jpg", "c.jpg", "b.jpg", "d.jpg"]) == {"c.jpg": 15}
    assert fewest_priority_changes(gallery, ["d.jpg", "a.jpg", "b.jpg", "c.jpg"]) == {"d.jpg": 9}
    assert fewest_priority_changes(gallery, ["b.jpg", "c.jpg", "d.jpg", "a.jpg"]) == {"a.jpg": 41}
    # Nulls at the end, in name order, keep none; one moved into their middle needs a number.
    nulls = {"a.jpg": 1, "b.jpg": None, "c.jpg": None}
    assert fewest_priority_changes(nulls, ["a.jpg", "c.jpg", "b.jpg"]) == {"c.jpg": 2}


def test_out_of_range_priorities_are_rewritten_only_when_the_order_changes() -> None:
    gallery = {"a.jpg": 0, "b.jpg": 70000, "c.jpg": 5}
    changes = fewest_priority_changes(gallery, ["c.jpg", "a.jpg", "b.jpg"])
    assert after(gallery, changes) == ["c.jpg", "a.jpg", "b.jpg"]
    assert all(1 <= v <= MAX_PRIORITY for v in changes.values())


def test_a_large_gallery_in_reverse() -> None:
    names = [f"{i:04d}.jpg" for i in range(1500)]
    gallery: dict[str, int | None] = {name: 10 * (i + 1) for i, name in enumerate(names)}
    gallery[names[-1]] = None
    wanted = names[::-1]
    changes = fewest_priority_changes(gallery, wanted)
    assert after(gallery, changes) == wanted
    assert len(changes) == 1499  # only one photo can keep its number when all turn around


def test_no_room_is_a_frame_error() -> None:
    # Three names against the order need three distinct numbers; 1..2 has two.
    tied = {"a": 1, "b": 1, "c": 1}
    with pytest.raises(FrameError, match="more than 2 distinct priorities"):
        _fewest_changes(tied, ["c", "b", "a"], 2)
    assert _fewest_changes(tied, ["c", "b", "a"], 3) == {"b": 2, "a": 3}


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        (["a", "b"], "missing: 'c'"),
        (["a", "b", "c", "x"], "unknown: 'x'"),
        (["a", "b", "b", "c"], "repeated: 'b'"),
        ("abc", "not one string"),
    ],
)
def test_wanted_must_be_a_permutation(wanted: list[str], message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        fewest_priority_changes({"a": 1, "b": 2, "c": 3}, wanted)


@pytest.mark.parametrize("value", [1.5, "x", True])
def test_priority_must_be_whole(value: object) -> None:
    with pytest.raises(ArgumentError, match=r"photo 'a': priority must be a whole number"):
        fewest_priority_changes({"a": value, "b": 1}, ["b", "a"])  # type: ignore[dict-item]


def test_float_nan_and_na_priorities_count_as_none() -> None:
    import pandas as pd

    gallery = {"a": float("nan"), "b": pd.NA, "c": 2.0}
    assert fewest_priority_changes(gallery, ["c", "a", "b"]) == {}  # type: ignore[arg-type]
    assert fewest_priority_changes(gallery, ["c", "b", "a"]) == {"b": 3}  # type: ignore[arg-type]
