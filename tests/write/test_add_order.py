"""Where new photos go (write/add/order.py): pure, no shop."""

from __future__ import annotations

import pytest

from shoptet_nb._order import NoRoomError, shop_order
from shoptet_nb.write.add.order import place, placeholder, with_names


def shown(priorities: dict[str, int | None], placement_new: dict[str, int]) -> list[str]:
    return shop_order({**priorities, **placement_new})


def test_appended_after_the_last_numbered_photo_without_touching_any_other() -> None:
    gallery = {"a.jpg": 5, "b.jpg": 9, "c.jpg": None}
    placement = place(gallery, [None, None])
    assert placement.others == {}
    assert placement.new == {placeholder(0): 10, placeholder(1): 11}
    assert shown(gallery, placement.new) == [
        "a.jpg",
        "b.jpg",
        placeholder(0),
        placeholder(1),
        "c.jpg",
    ]


def test_positions_take_the_gaps_and_every_new_photo_has_its_own_number() -> None:
    gallery = {"a.jpg": 10, "b.jpg": 20, "c.jpg": 30}
    placement = place(gallery, [1, 3, None])
    assert placement.others == {}
    after = {**gallery, **placement.new}
    assert len(set(after.values())) == len(after)
    assert shop_order(after) == [placeholder(0), "a.jpg", placeholder(1), "b.jpg", "c.jpg",
                                 placeholder(2)]  # fmt: skip


def test_no_room_moves_the_fewest_others() -> None:
    gallery = {"a.jpg": 1, "b.jpg": 2, "c.jpg": 3}
    placement = place(gallery, [1])
    assert len(placement.others) == 3  # nothing is below 1: every photo moves up
    after = {**gallery, **placement.others, **placement.new}
    assert shop_order(after) == [placeholder(0), "a.jpg", "b.jpg", "c.jpg"]
    assert len(set(after.values())) == 4


def test_no_room_above_the_highest_moves_it_down_rather_than_refusing() -> None:
    placement = place({"a.jpg": 65535}, [None])
    after = {"a.jpg": 65535, **placement.others, **placement.new}
    assert shop_order(after) == ["a.jpg", placeholder(0)]
    assert max(after.values()) <= 65535
    assert len(placement.others) == 1


def test_more_photos_than_numbers_are_refused() -> None:
    with pytest.raises(NoRoomError):
        place({f"{k}.jpg": k + 1 for k in range(65535)}, [None])


def test_with_names_drops_photos_that_did_not_come() -> None:
    placement = place({"a.jpg": 1}, [None, None])
    assert with_names(placement, {placeholder(1): "7-2.jpg"}) == ["a.jpg", "7-2.jpg"]
