"""``WorklistRows``: a worklist's rows by photo and language, without a widget."""

from __future__ import annotations

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.editing.worklist_rows import WorklistRows

from helpers import products_with_images


def two_languages() -> tuple[sn.ShoptetClient, str, pd.DataFrame]:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    for image in client.sandbox.images(guid, "shop"):
        client.sandbox.set_image(guid, "shop", image["name"], description="SK", language="sk")
    both = pd.concat(
        [
            sn.read_images(client, [guid], progress=False),
            sn.read_images(client, [guid], language="sk", progress=False),
        ],
        ignore_index=True,
    )
    return client, guid, both


def test_rows_of_two_languages_are_found_chosen_and_edited_each_in_its_language() -> None:
    client, guid, both = two_languages()
    book, frames = WorklistRows.from_frame(
        client, both, session=None, journal=False, max_length=125
    )
    book.load(frames, progress=False)
    book.take_shop()
    assert list(book.languages.sessions) == [None, "sk"]
    assert len(book.keys) == len(both)
    assert book.several
    name = str(both["name"].iloc[0])
    with pytest.raises(sn.ArgumentError, match="several languages"):
        book.find(guid, "shop", name, ...)
    slovak = book.find(guid, "shop", name, "sk")
    assert slovak == (guid, "shop", name, "sk")
    assert book.parse_id(book.row_id(slovak)) == slovak
    assert book.shop_value(slovak, "description") == "SK"
    # A photo names its row in every language; a frame's language column picks one.
    assert len(book.choose([(guid, "shop", name)])) == 2
    picked = book.choose(both[both["name"] == name].tail(1))
    assert picked == [slovak]
    changed = book.set_captions({slovak: "Nový SK"}, "test")
    assert changed == [slovak]
    assert book.caption(slovak) == "Nový SK"
    assert book.caption((guid, "shop", name, "")) != "Nový SK"
    assert list(book.languages.changes["language"]) == ["sk"]


def test_a_session_given_for_a_frame_of_several_languages_is_refused() -> None:
    client, _, both = two_languages()
    with pytest.raises(sn.ArgumentError, match="several"):
        WorklistRows.from_frame(
            client, both, session=sn.EditSession(client), journal=False, max_length=125
        )
