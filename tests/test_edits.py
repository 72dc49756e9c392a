"""Tests for shoptet_nb.edits: gallery order, renumber, move_to_front, reorder, fill_captions."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoptet_nb.columns import IMAGE_COLUMNS, typed
from shoptet_nb.edits import (
    fill_captions,
    gallery_order,
    move_to_front,
    renumber,
    reorder,
    sort_gallery,
)
from shoptet_nb.errors import ArgumentError, FrameError

G1 = "11111111-1111-1111-1111-111111111111"
G2 = "22222222-2222-2222-2222-222222222222"


def images(
    rows: list[dict[str, Any]], index: list[Any] | None = None, **extra: Any
) -> pd.DataFrame:
    """An IMAGE_COLUMNS frame; unspecified fields get defaults, ``extra`` adds user columns."""
    base = {
        "guid": G1,
        "gallery": "shop",
        "priority": None,
        "description": None,
        "product_name": "Žluťoučký kůň",
    }
    frame = typed(pd.DataFrame([{**base, **row} for row in rows], index=index), IMAGE_COLUMNS)
    for column, values in extra.items():
        frame[column] = values
    return frame


def unchanged(func: Any, df: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and assert it did not touch its input frame."""
    before = copy.deepcopy(df)
    result = func(df, *args, **kwargs)
    pd.testing.assert_frame_equal(df, before)
    assert result is not df
    return result


def column(df: pd.DataFrame, name: str) -> list[Any]:
    return [None if pd.isna(v) else v for v in df[name].tolist()]


# --- gallery_order / sort_gallery ------------------------------------------------------------


def test_gallery_order_priority_then_nulls_last_then_name() -> None:
    df = images(
        [
            {"name": "a.jpg", "priority": 3},
            {"name": "d.jpg", "priority": 1},
            {"name": "b.jpg", "priority": None},
            {"name": "c.jpg", "priority": 1},
            {"name": "0.jpg", "priority": None},
        ],
        index=["r1", "r2", "r3", "r4", "r5"],
    )
    n = unchanged(gallery_order, df)
    assert n.to_dict() == {"r1": 3, "r2": 2, "r3": 5, "r4": 1, "r5": 4}
    assert n.dtype == "int64"


def test_gallery_order_per_product_and_gallery_with_gaps() -> None:
    df = images(
        [
            {"guid": G2, "name": "1.jpg", "priority": 500},
            {"guid": G1, "gallery": "shop360", "name": "1.jpg", "priority": 7},
            {"guid": G1, "name": "1.jpg", "priority": 10},
            {"guid": G2, "name": "2.jpg", "priority": 20},
            {"guid": G1, "gallery": "shop360", "name": "2.jpg", "priority": 3},
        ]
    )
    assert gallery_order(df).tolist() == [2, 2, 1, 1, 1]


def test_gallery_order_ties_by_code_point_name_with_diacritics() -> None:
    df = images(
        [
            {"name": "Žluťoučký.jpg", "priority": 1},
            {"name": "zebra.jpg", "priority": 1},
            {"name": "🐴.jpg", "priority": 1},
        ]
    )
    assert gallery_order(df).tolist() == [2, 1, 3]


def test_gallery_order_empty_frame() -> None:
    df = images([{"name": "x.jpg"}]).iloc[:0]
    n = gallery_order(df)
    assert n.empty
    assert n.dtype == "int64"


def test_sort_gallery_keeps_index_and_sorts_by_guid_gallery_order() -> None:
    df = images(
        [
            {"guid": G2, "name": "a.jpg", "priority": 1},
            {"guid": G1, "gallery": "shop360", "name": "b.jpg", "priority": 1},
            {"guid": G1, "name": "c.jpg", "priority": None},
            {"guid": G1, "name": "d.jpg", "priority": 2},
        ],
        index=[10, 20, 30, 40],
    )
    result = unchanged(sort_gallery, df)
    assert result.index.tolist() == [40, 30, 20, 10]
    pd.testing.assert_frame_equal(result, df.loc[[40, 30, 20, 10]])


@pytest.mark.parametrize("func", [gallery_order, sort_gallery, renumber])
def test_missing_column_is_a_frame_error(func: Any) -> None:
    df = images([{"name": "a.jpg"}]).drop(columns=["priority"])
    with pytest.raises(FrameError, match="needs the column\\(s\\) priority"):
        func(df)


def test_null_key_is_a_frame_error() -> None:
    df = images([{"name": "a.jpg"}, {"name": None}], index=["ok", "bad"])
    with pytest.raises(FrameError, match="row 'bad' has no name"):
        gallery_order(df)


def test_non_integer_priority_is_a_frame_error() -> None:
    df = images([{"name": "a.jpg"}])
    df["priority"] = pd.Series(["first"], dtype=object)
    with pytest.raises(FrameError, match="priority must hold whole numbers"):
        gallery_order(df)


def test_not_a_frame_is_a_frame_error() -> None:
    with pytest.raises(FrameError, match="needs a pandas DataFrame, got list"):
        gallery_order([])  # type: ignore[arg-type]


# --- renumber --------------------------------------------------------------------------------


def test_renumber_keeps_order_rows_index_and_extra_columns() -> None:
    df = images(
        [
            {"name": "c.jpg", "priority": 40},
            {"name": "a.jpg", "priority": None},
            {"name": "b.jpg", "priority": 40},
            {"guid": G2, "name": "z.jpg", "priority": 3},
            {"gallery": "shop360", "name": "s.jpg", "priority": 9000},
            {"name": "d.jpg", "priority": 2},
        ],
        index=[5, 3, 1, 4, 2, 0],
        colour=["red", "blue", "green", "red", "pink", "gold"],
    )
    result = unchanged(renumber, df)
    assert column(result, "priority") == [3, 4, 2, 1, 1, 1]
    pd.testing.assert_frame_equal(result.drop(columns="priority"), df.drop(columns="priority"))
    assert result.dtypes.equals(df.dtypes)
    assert gallery_order(result).tolist() == gallery_order(df).tolist()


def test_renumber_start_and_step() -> None:
    df = images([{"name": n, "priority": p} for n, p in [("a", 7), ("b", None), ("c", 1)]])
    assert column(renumber(df, start=10, step=10), "priority") == [20, 30, 10]
    assert column(renumber(df, 100), "priority") == [101, 102, 100]


def test_renumber_up_to_the_limit_is_fine_beyond_is_an_error() -> None:
    df = images([{"name": "a"}, {"name": "b"}, {"name": "c"}], index=["x", "y", "z"])
    assert column(renumber(df, start=1, step=32767), "priority") == [1, 32768, 65535]
    with pytest.raises(FrameError) as info:
        renumber(df, start=1, step=40000)
    message = str(info.value)
    assert f"gallery shop of product {G1} has 3 images" in message
    assert "would reach priority 80001" in message
    assert "use step=32767 or less" in message
    with pytest.raises(FrameError, match="use step=0 or less"):
        renumber(df, start=65535)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": 0}, "start must be between 1 and 65535, got 0"),
        ({"start": 70000}, "start must be between 1 and 65535"),
        ({"step": 0}, "step must be 1 or more, got 0"),
        ({"step": 1.5}, "step must be a whole number"),
        ({"start": True}, "start must be a whole number"),
    ],
)
def test_renumber_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        renumber(images([{"name": "a.jpg"}]), **kwargs)


def test_renumber_empty_frame() -> None:
    df = images([{"name": "a.jpg", "priority": 1}]).iloc[:0]
    result = unchanged(renumber, df)
    pd.testing.assert_frame_equal(result, df)


# --- move_to_front ---------------------------------------------------------------------------


def gallery(priorities: dict[str, int | None], **overrides: Any) -> pd.DataFrame:
    return images([{"name": n, "priority": p, **overrides} for n, p in priorities.items()])


def test_move_to_front_takes_one_below_the_lowest_and_touches_nothing_else() -> None:
    df = gallery({"a.jpg": 5, "b.jpg": 7, "c.jpg": 9, "d.jpg": None})
    df["is_main_image"] = [True, False, False, False]
    result = unchanged(move_to_front, df, G1, "c.jpg")
    assert column(result, "priority") == [5, 7, 4, None]
    assert column(result, "is_main_image") == [False, False, True, False]
    assert gallery_order(result).tolist() == [2, 3, 1, 4]
    pd.testing.assert_frame_equal(
        result.drop(columns=["priority", "is_main_image"]),
        df.drop(columns=["priority", "is_main_image"]),
    )


def test_move_to_front_already_first_changes_nothing() -> None:
    df = gallery({"a.jpg": 3, "b.jpg": 1, "c.jpg": 2})
    df["is_main_image"] = [False, True, False]
    result = unchanged(move_to_front, df, G1, "b.jpg")
    pd.testing.assert_frame_equal(result, df)


def test_move_to_front_of_a_tie_the_name_already_broke_changes_nothing() -> None:
    # Shoptet breaks ties by name, so a.jpg is already first: no write (it used to be one).
    df = gallery({"a.jpg": 4, "b.jpg": 4})
    assert column(move_to_front(df, G1, "a.jpg"), "priority") == [4, 4]
    assert column(move_to_front(df, G1, "b.jpg"), "priority") == [4, 3]


def test_move_to_front_without_room_writes_the_fewest() -> None:
    # d.jpg takes 1, a.jpg and b.jpg move up to 2 and 3 below c.jpg's 4: 3 writes. Sharing 2
    # between a.jpg and b.jpg would save one, but the shop documents no order for a tie.
    df = gallery({"a.jpg": 1, "b.jpg": 2, "c.jpg": 4, "d.jpg": 3, "e.jpg": 9})
    result = move_to_front(df, G1, "d.jpg")
    assert column(result, "priority") == [2, 3, 4, 1, 9]
    assert gallery_order(result).tolist() == [2, 3, 4, 1, 5]


def test_move_to_front_without_room_breaks_ties_and_keeps_nulls() -> None:
    df = gallery({"a.jpg": 1, "b.jpg": 1, "c.jpg": 2, "d.jpg": 9, "e.jpg": 5, "f.jpg": None})
    result = move_to_front(df, G1, "e.jpg")
    # 3 writes, into the room between e.jpg and d.jpg: the tie of a.jpg and b.jpg is gone
    assert column(result, "priority") == [6, 7, 8, 9, 5, None]
    assert gallery_order(result).tolist() == [2, 3, 4, 5, 1, 6]


def test_move_to_front_of_an_image_without_priority() -> None:
    df = gallery({"a.jpg": 1, "b.jpg": None, "c.jpg": None})
    assert column(move_to_front(df, G1, "c.jpg"), "priority") == [2, None, 1]
    df = gallery({"a.jpg": 6, "b.jpg": None})
    assert column(move_to_front(df, G1, "b.jpg"), "priority") == [6, 5]


def test_move_to_front_when_no_image_has_a_priority() -> None:
    df = gallery({"a.jpg": None, "b.jpg": None})
    assert column(move_to_front(df, G1, "b.jpg"), "priority") == [None, 1]
    # Alone in its gallery it is already first: no write (it used to get priority 1).
    assert column(move_to_front(df.iloc[[1]], G1, "b.jpg"), "priority") == [None]
    df = gallery({"a.jpg": None, "b.jpg": 8})
    assert column(move_to_front(df, G1, "b.jpg"), "priority") == [None, 8]


def test_move_to_front_leaves_other_products_and_galleries_alone() -> None:
    df = images(
        [
            {"name": "a.jpg", "priority": 1, "is_main_image": True},
            {"name": "b.jpg", "priority": 2, "is_main_image": False},
            {"gallery": "shop360", "name": "b.jpg", "priority": 1, "is_main_image": False},
            {"gallery": "shop360", "name": "a.jpg", "priority": 2, "is_main_image": False},
            {"guid": G2, "name": "b.jpg", "priority": 1, "is_main_image": True},
            {"guid": G2, "name": "a.jpg", "priority": 1, "is_main_image": False},
        ],
        note=["keep"] * 6,
    )
    result = unchanged(move_to_front, df, G1, "b.jpg")
    assert column(result, "priority") == [3, 2, 1, 2, 1, 1]  # one write: a.jpg goes behind
    assert column(result, "is_main_image") == [False, True, False, False, True, False]

    spun = move_to_front(df, G1, "a.jpg", gallery="shop360")
    assert column(spun, "priority") == [1, 2, 3, 2, 1, 1]  # one write: b.jpg goes behind
    assert column(spun, "is_main_image") == [True, False, False, False, True, False]
    assert spun["note"].tolist() == ["keep"] * 6
    assert spun.dtypes.equals(df.dtypes)


def test_move_to_front_without_is_main_image_column_does_not_add_it() -> None:
    df = gallery({"a.jpg": 1, "b.jpg": 2}).drop(columns=["is_main_image"])
    result = move_to_front(df, G1, "b.jpg")
    assert list(result.columns) == list(df.columns)
    assert column(result, "priority") == [3, 2]


def test_move_to_front_with_duplicate_index_labels() -> None:
    df = images([{"name": "a.jpg", "priority": 1}, {"name": "b.jpg", "priority": 1}], index=[0, 0])
    result = move_to_front(df, G1, "b.jpg")
    assert column(result, "priority") == [2, 1]
    assert result.index.tolist() == [0, 0]


def test_move_to_front_unicode_names() -> None:
    df = gallery({"Žluťoučký kůň.jpg": 1, "🐴.jpg": 2, "سلام.jpg": 3})
    result = move_to_front(df, G1, "سلام.jpg")
    assert column(result, "priority") == [4, 5, 3]  # distinct numbers: no tie is relied on


def test_move_to_front_errors() -> None:
    df = gallery({f"{i}.jpg": i for i in range(1, 8)})
    with pytest.raises(
        FrameError,
        match=r"no image 'x.jpg' in gallery shop of product .*"
        r"it has 1.jpg, 2.jpg, 3.jpg, 4.jpg, 5.jpg \.\.\.$",
    ):
        move_to_front(df, G1, "x.jpg")
    with pytest.raises(FrameError, match=f"product {G1} has no images in gallery shop360"):
        move_to_front(df, G1, "1.jpg", gallery="shop360")
    with pytest.raises(FrameError, match=f"product {G2} has no images in gallery shop"):
        move_to_front(df, G2, "1.jpg")
    doubled = pd.concat([df, df.iloc[[2]]])
    with pytest.raises(FrameError, match=r"'3\.jpg' appears 2 times"):
        move_to_front(doubled, G1, "3.jpg")
    full = gallery({"a.jpg": 1, "b.jpg": 65535, "c.jpg": 65535})
    assert column(move_to_front(full, G1, "b.jpg"), "priority") == [65534, 65533, 65535]
    # 65535 images whose names sort against their order, and one more to put first: every step
    # needs a higher priority than the last, 65536 of them. (Ties by name make room in most
    # crowded galleries: before the fewest-writes rule this test used one that fits.)
    names = [f"{65535 - i:05d}.jpg" for i in range(1, 65536)] + ["zzz.jpg"]
    crowded = images([{"name": "x.jpg"}]).iloc[[0] * 65536].reset_index(drop=True)
    crowded["name"] = pd.array(names, dtype="string")
    crowded["priority"] = pd.array([*range(1, 65536), None], dtype="Int64")
    with pytest.raises(
        FrameError, match=f"move_to_front\\(\\): gallery shop of product {G1}: .* more than 65535"
    ):
        move_to_front(crowded, G1, "zzz.jpg")


@settings(max_examples=60, deadline=None)
@given(
    priorities=st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=1, max_size=8),
    data=st.data(),
)
def test_move_to_front_property(priorities: list[int | None], data: st.DataObject) -> None:
    names = [f"{i}.jpg" for i in range(len(priorities))]
    df = gallery(dict(zip(names, priorities, strict=True)))
    target = data.draw(st.sampled_from(names))
    result = move_to_front(df, G1, target)
    before = df.assign(n=gallery_order(df)).sort_values("n")["name"].tolist()
    after = result.assign(n=gallery_order(result)).sort_values("n")["name"].tolist()
    assert after == [target] + [n for n in before if n != target]
    new = result["priority"]
    assert new.dropna().between(1, 65535).all()
    # An image other than the target keeps a null priority; with room below the others, or
    # with the target already first, nothing but the target changes.
    old = df["priority"]
    others = (df["name"] != target).to_numpy()
    assert (new[others].isna() == old[others].isna()).all()
    untied = old[others].dropna().is_unique
    if before[0] == target or (untied and not (old[others].dropna() < 2).any()):
        changed = (new.fillna(-1) != old.fillna(-1)).to_numpy()
        assert not changed[others].any()


# --- reorder ---------------------------------------------------------------------------------


def order_of(df: pd.DataFrame) -> list[str]:
    return df.assign(n=gallery_order(df)).sort_values("n")["name"].tolist()


def test_reorder_a_prefix_puts_those_first_and_keeps_the_rest_in_order() -> None:
    df = gallery({"a.jpg": 10, "b.jpg": 20, "c.jpg": 30, "d.jpg": 40, "e.jpg": None})
    df["is_main_image"] = [True, False, False, False, False]
    result = unchanged(reorder, df, G1, ["d.jpg", "b.jpg"])
    assert order_of(result) == ["d.jpg", "b.jpg", "a.jpg", "c.jpg", "e.jpg"]
    # a.jpg and c.jpg keep theirs; d.jpg and b.jpg take the room below a.jpg: two writes.
    assert column(result, "priority") == [10, 9, 30, 8, None]
    assert column(result, "is_main_image") == [False, False, False, True, False]
    assert result.dtypes.equals(df.dtypes)


def test_reorder_one_move_in_a_gapped_gallery_is_one_write() -> None:
    df = gallery({"a.jpg": 10, "b.jpg": 20, "c.jpg": 30, "d.jpg": 40})
    result = reorder(df, G1, ["a.jpg", "c.jpg", "b.jpg", "d.jpg"])
    assert column(result, "priority") == [10, 20, 15, 40]


def test_reorder_the_same_order_changes_nothing() -> None:
    df = gallery({"a.jpg": 3, "b.jpg": 3, "c.jpg": None})
    df["is_main_image"] = [True, False, False]
    pd.testing.assert_frame_equal(unchanged(reorder, df, G1, ["a.jpg", "b.jpg", "c.jpg"]), df)
    pd.testing.assert_frame_equal(reorder(df, G1, []), df)


def test_reorder_shop360_and_other_products_untouched() -> None:
    df = images(
        [
            {"name": "a.jpg", "priority": 1, "is_main_image": True},
            {"gallery": "shop360", "name": "a.jpg", "priority": 1, "is_main_image": False},
            {"gallery": "shop360", "name": "b.jpg", "priority": 2, "is_main_image": False},
            {"guid": G2, "name": "b.jpg", "priority": 5, "is_main_image": True},
        ]
    )
    result = reorder(df, G1, ["b.jpg", "a.jpg"], gallery="shop360")
    assert column(result, "priority") == [1, 3, 2, 5]
    assert column(result, "is_main_image") == [True, False, False, True]


def test_reorder_errors() -> None:
    df = gallery({"a.jpg": 1, "b.jpg": 2})
    with pytest.raises(
        FrameError, match=r"reorder\(\): no image 'x.jpg' in gallery shop .*a.jpg, b.jpg$"
    ):
        reorder(df, G1, ["b.jpg", "x.jpg"])
    with pytest.raises(FrameError, match=r"reorder\(\): 'b.jpg' named more than once"):
        reorder(df, G1, ["b.jpg", "b.jpg"])
    with pytest.raises(ArgumentError, match="names must be a list of file names"):
        reorder(df, G1, "b.jpg")
    with pytest.raises(FrameError, match=f"product {G2} has no images in gallery shop"):
        reorder(df, G2, ["a.jpg"])
    doubled = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(FrameError, match=r"'a\.jpg' appears 2 times .* drop the duplicate rows"):
        reorder(doubled, G1, ["b.jpg"])


@settings(max_examples=60, deadline=None)
@given(
    priorities=st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=1, max_size=7),
    data=st.data(),
)
def test_reorder_property(priorities: list[int | None], data: st.DataObject) -> None:
    names = [f"{i}.jpg" for i in range(len(priorities))]
    df = gallery(dict(zip(names, priorities, strict=True)))
    wanted = data.draw(st.permutations(names))
    prefix = list(wanted[: data.draw(st.integers(0, len(wanted)))])
    result = reorder(df, G1, prefix)
    before = order_of(df)
    assert order_of(result) == prefix + [n for n in before if n not in prefix]
    assert result["priority"].dropna().between(1, 65535).all()


# --- dtypes of the priority column -------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["Int64", "float64", "object", "int64", "Float64"])
@pytest.mark.parametrize(
    "edit",
    [
        lambda df: renumber(df, start=10, step=10),
        lambda df: move_to_front(df, G1, "c.jpg"),
        lambda df: reorder(df, G1, ["c.jpg", "a.jpg"]),
    ],
    ids=["renumber", "move_to_front", "reorder"],
)
def test_priority_column_keeps_its_dtype(dtype: str, edit: Any) -> None:
    df = gallery({"a.jpg": 1, "b.jpg": 2, "c.jpg": 3})
    df["priority"] = df["priority"].astype(dtype)
    result = edit(df)
    assert result["priority"].dtype == df["priority"].dtype
    assert result.dtypes.equals(df.dtypes)
    assert column(result, "priority") != column(df, "priority")


def test_priority_column_that_cannot_hold_the_numbers_becomes_int64() -> None:
    df = gallery({"a.jpg": 1, "b.jpg": 2, "c.jpg": 3})
    df["priority"] = df["priority"].astype("int8")
    result = renumber(df, start=1000)
    assert str(result["priority"].dtype) == "Int64"
    assert column(result, "priority") == [1000, 1001, 1002]


def test_float_priorities_with_nulls_stay_float() -> None:
    df = gallery({"a.jpg": 1, "b.jpg": None, "c.jpg": None})
    df["priority"] = df["priority"].astype("float64")
    result = move_to_front(df, G1, "c.jpg")
    assert result["priority"].dtype == "float64"
    assert column(result, "priority") == [2.0, None, 1.0]


# --- fill_captions ---------------------------------------------------------------------------


def test_fill_captions_fills_only_empty_in_gallery_order() -> None:
    df = images(
        [
            {"name": "b.jpg", "priority": 2, "description": None},
            {"name": "a.jpg", "priority": 1, "description": "Kept as is"},
            {"name": "c.jpg", "priority": None, "description": "   "},
            {"name": "d.jpg", "priority": 2, "description": ""},
            {"guid": G2, "name": "x.png", "product_name": "Jablko 🍎", "description": None},
        ],
        index=list("vwxyz"),
        colour=["red", "blue", "green", "gold", "grey"],
    )
    result = unchanged(fill_captions, df, "{product_name} – photo {n} of {count}")
    assert column(result, "description") == [
        "Žluťoučký kůň – photo 2 of 4",
        "Kept as is",
        "Žluťoučký kůň – photo 4 of 4",
        "Žluťoučký kůň – photo 3 of 4",
        "Jablko 🍎 – photo 1 of 1",
    ]
    pd.testing.assert_frame_equal(
        result.drop(columns="description"), df.drop(columns="description")
    )
    assert result.dtypes.equals(df.dtypes)


def test_fill_captions_with_duplicate_index_labels() -> None:
    df = images([{"name": "b.jpg", "priority": 2}, {"name": "a.jpg", "priority": 1}], index=[7, 7])
    result = unchanged(fill_captions, df, "{n}/{count} {stem}")
    assert column(result, "description") == ["2/2 b", "1/2 a"]
    assert result.index.tolist() == [7, 7]


def test_fill_captions_overwrites_all_when_asked() -> None:
    df = images([{"name": "a.jpg", "description": "Old"}, {"name": "b.jpg", "description": None}])
    result = fill_captions(df, "{product_name}", only_empty=False)
    assert column(result, "description") == ["Žluťoučký kůň", "Žluťoučký kůň"]


def test_fill_captions_every_placeholder_and_format_specs() -> None:
    df = images(
        [{"gallery": "shop360", "name": "spin.front.JPG", "priority": 3}],
        colour=["červená"],
    )
    template = "{guid}|{gallery}|{name}|{stem}|{n:02d}/{count}|{colour!r}|{priority:03d}|{name[0]}"
    result = fill_captions(df, template)
    assert column(result, "description") == [
        f"{G1}|shop360|spin.front.JPG|spin.front|01/1|'červená'|003|s"
    ]


def test_fill_captions_missing_values_leave_no_gaps() -> None:
    df = images(
        [
            {"name": "a.jpg", "product_name": None},
            {"name": "b.jpg", "product_name": "  שלום עולם "},
        ]
    )
    result = fill_captions(df, " {product_name}  photo {n} ")
    assert column(result, "description") == ["photo 1", "שלום עולם photo 2"]


def test_fill_captions_empty_result_leaves_the_row_alone() -> None:
    df = images([{"name": "a.jpg", "product_name": None, "description": ""}])
    result = fill_captions(df, "{product_name}")
    assert column(result, "description") == [""]


def test_fill_captions_without_product_name_column() -> None:
    df = images([{"name": "a.jpg"}]).drop(columns=["product_name"])
    assert column(fill_captions(df, "{product_name} {stem}"), "description") == ["a"]


def test_fill_captions_stem_edge_cases() -> None:
    df = images([{"name": n} for n in [".jpg", "noext", "a.b.c.png", "Žluťoučký kůň.WEBP"]])
    assert column(fill_captions(df, "{stem}"), "description") == [
        ".jpg",
        "noext",
        "a.b.c",
        "Žluťoučký kůň",
    ]


def test_fill_captions_nothing_to_fill_returns_an_equal_copy() -> None:
    df = images([{"name": "a.jpg", "description": "Fine"}])
    result = unchanged(fill_captions, df, "{n}")
    pd.testing.assert_frame_equal(result, df)
    empty = df.iloc[:0]
    pd.testing.assert_frame_equal(unchanged(fill_captions, empty, "{n}"), empty)


def test_fill_captions_unknown_placeholder_names_the_allowed_ones() -> None:
    df = images([{"name": "a.jpg"}])
    with pytest.raises(FrameError) as info:
        fill_captions(df, "{product_name} {colour} {n.real}")
    message = str(info.value)
    assert message.startswith("fill_captions(): unknown placeholder {colour}; use ")
    for allowed in ["{count}", "{n}", "{stem}", "{product_name}", "{name}", "{guid}", "{url}"]:
        assert allowed in message
    with pytest.raises(FrameError, match=r"unknown placeholder \{\}"):
        fill_captions(df, "photo {}")
    with pytest.raises(FrameError, match=r"unknown placeholder \{0\}"):
        fill_captions(df, "photo {0}")


def test_fill_captions_bad_templates() -> None:
    df = images([{"name": "a.jpg", "priority": None}])
    with pytest.raises(ArgumentError, match="template is malformed"):
        fill_captions(df, "{product_name")
    with pytest.raises(ArgumentError, match="template must be a string"):
        fill_captions(df, None)  # type: ignore[arg-type]
    with pytest.raises(FrameError, match=r"fails for image 'a.jpg' of product .*format"):
        fill_captions(df, "{priority:03d}")
    with pytest.raises(FrameError, match="needs the column\\(s\\) description"):
        fill_captions(df.drop(columns="description"), "{n}")


def test_fill_captions_on_an_all_nan_float_caption_column() -> None:
    # pandas reads an empty caption column from a CSV as float64 NaN; this raised TypeError.
    df = images([{"name": "a.jpg"}, {"name": "b.jpg"}])
    df["description"] = np.nan
    result = unchanged(fill_captions, df, "{stem}")
    assert column(result, "description") == ["a", "b"]
    assert str(result["description"].dtype) == "string"
    assert result.drop(columns="description").dtypes.equals(df.drop(columns="description").dtypes)
