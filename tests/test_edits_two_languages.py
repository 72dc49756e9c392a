"""The frame helpers (move_to_front, renumber, fill_captions) on a frame read in two languages."""

from __future__ import annotations

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.errors import FrameError

from helpers import products_with_images


def test_move_to_front_on_a_frame_in_two_languages_moves_the_photo_in_both() -> None:
    # Priority is one for all languages of a photo: a frame holding the default and the
    # Slovak rows (both read_images frames, concatenated) has each photo twice.
    client = sn.sandbox(seed=2, products=20)
    (guid,) = products_with_images(client, 1, min_images=3)
    both = pd.concat(
        [
            sn.read_images(client, [guid], progress=False),
            sn.read_images(client, [guid], language="sk", progress=False),
        ],
        ignore_index=True,
    )
    photos = both[(both["gallery"] == "shop") & both["language"].isna()]
    last = sn.sort_gallery(photos)["name"].iloc[-1]

    moved = sn.move_to_front(both, guid, last)

    shop = moved[moved["gallery"] == "shop"]
    for _, rows in shop.groupby(shop["language"].fillna("")):
        assert sn.sort_gallery(rows)["name"].iloc[0] == last
        assert rows.loc[rows["name"] == last, "is_main_image"].all()
    result = sn.update_images(client, moved, progress=False, journal=False)
    assert set(result.rows["status"]) <= {"updated", "unchanged"}
    assert client.sandbox.images(guid, "shop")[0]["name"] == last


def test_a_photo_repeated_within_one_language_is_still_refused() -> None:
    client = sn.sandbox(seed=2, products=20)
    (guid,) = products_with_images(client, 1, min_images=3)
    images = sn.read_images(client, [guid], language="sk", progress=False)
    doubled = pd.concat([images, images.iloc[[0]]])
    with pytest.raises(FrameError, match="appears 2 times"):
        sn.move_to_front(doubled, guid, images["name"].iloc[1])


def test_renumber_and_fill_captions_count_a_two_language_frame_per_language() -> None:
    client = sn.sandbox(seed=2, products=20)
    (guid,) = products_with_images(client, 1, min_images=3)
    default = sn.read_images(client, [guid], progress=False)
    both = pd.concat(
        [default, sn.read_images(client, [guid], language="sk", progress=False)],
        ignore_index=True,
    )

    renumbered = sn.renumber(both)
    alone = sn.renumber(default)
    per_language = renumbered.groupby(["gallery", "name"])["priority"].nunique()
    assert (per_language == 1).all()  # one priority per photo, as Shoptet has it
    pd.testing.assert_frame_equal(renumbered.iloc[: len(default)], alone)
    assert sn.plan_updates(client, renumbered, progress=False).counts["invalid"] == 0

    filled = sn.fill_captions(both, "{n} of {count}", only_empty=False)
    expected = sn.fill_captions(default, "{n} of {count}", only_empty=False)
    assert filled["description"].iloc[: len(default)].tolist() == expected["description"].tolist()
