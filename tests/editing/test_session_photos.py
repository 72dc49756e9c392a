"""Photo adds and deletes in an ``EditSession``: pending, undoable, previewed and saved through
``add_images`` / ``delete_images``, judged by the sandbox's own state (its photos, counters of
photos per content hash, requests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.editing import EditSession
from shoptet_nb.sandbox.pictures import picture

from helpers import shop_names, variant_product

pytestmark = pytest.mark.usefixtures("journal_dir")


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=12, insert_job_s=0.2)


def duplicates(client: sn.ShoptetClient) -> int:
    return sum(n - 1 for n in client.sandbox.stats()["photos_per_hash"].values() if n > 1)


def with_photos(client: sn.ShoptetClient, index: int, minimum: int = 3) -> str:
    """The guid of the index-th product with at least ``minimum`` photos."""
    shop = client.sandbox
    found = [p["guid"] for p in shop.products() if len(shop.images(p["guid"])) >= minimum]
    return found[index]


def opened(client: sn.ShoptetClient, index: int) -> tuple[str, list[str], EditSession]:
    """A product with three photos or more, its photo names and a session on its gallery."""
    guid = with_photos(client, index)
    return guid, shop_names(client, guid), session_on(client, guid)


def session_on(client: sn.ShoptetClient, guid: str, **kwargs: Any) -> EditSession:
    session = EditSession(client, journal=False, **kwargs)
    assert session.load([(guid, "shop")]) == []
    return session


def test_add_saves_then_the_editor_shows_the_shop_names_and_a_second_add_is_a_duplicate(
    client: sn.ShoptetClient,
) -> None:
    guid = with_photos(client, 0)
    before = shop_names(client, guid)
    url = client.sandbox.stage(picture("supplier-1", 40, 30))
    session = session_on(client, guid)
    session.add_photo(guid, "shop", source_url=url, description="Supplier photo")
    assert session.model.pending_count == 1
    preview = session.preview_photos()
    assert list(preview.rows["status"]) == ["would_add"]
    assert shop_names(client, guid) == before  # a preview sends nothing

    assert session.save() is None  # no caption/order edit: the photo rows say it all
    rows = session.photo_result.rows  # type: ignore[union-attr]
    assert list(rows["status"]) == ["added"]
    new = rows.at[0, "name"]
    assert shop_names(client, guid) == [*before, new]
    # The session read the gallery again: the new photo under the shop's name, no pending edit.
    assert session.model.order(guid, "shop") == [*before, new]
    assert session.model.caption(guid, "shop", new) == "Supplier photo"
    assert session.model.outcome(guid, "shop", new).status == "added"  # type: ignore[union-attr]
    assert session.model.pending_count == 0

    session.add_photo(guid, "shop", source_url=url)
    assert list(session.preview_photos().rows["status"]) == ["skipped_duplicate"]
    session.save()
    assert list(session.photo_result.rows["status"]) == ["skipped_duplicate"]  # type: ignore[union-attr]
    assert shop_names(client, guid) == [*before, new]
    assert duplicates(client) == 0
    assert session.model.pending_count == 0


def test_a_delete_a_variant_shows_is_blocked_with_its_codes_and_stays_pending(
    client: sn.ShoptetClient,
) -> None:
    guid, code, names = variant_product(client, shown=2)
    session = session_on(client, guid)
    session.model.mark_delete(guid, "shop", names[0])  # the main image
    session.model.mark_delete(guid, "shop", names[2])  # shown by a variant
    preview = session.preview_photos().rows.set_index("item")
    assert preview.at[names[0], "status"] == "would_delete"
    assert preview.at[names[0], "becomes_main"] == names[1]
    assert preview.at[names[2], "status"] == "blocked"
    assert code in preview.at[names[2], "variant_codes"]

    session.save()
    rows = session.photo_result.rows.set_index("item")  # type: ignore[union-attr]
    assert rows.at[names[0], "status"] == "deleted"
    assert rows.at[names[2], "status"] == "blocked"
    assert shop_names(client, guid) == [n for n in names if n != names[0]]
    # The blocked delete is still marked, with why on its photo; the deleted photo is gone.
    assert session.model.pending_deletes(guid, "shop") == [names[2]]
    outcome = session.model.outcome(guid, "shop", names[2])
    assert outcome is not None
    assert outcome.status == "blocked"
    assert code in str(outcome.message)
    assert names[0] not in session.model.names(guid, "shop")


def test_undo_brings_back_a_photo_marked_for_delete_and_takes_back_an_add(
    client: sn.ShoptetClient,
) -> None:
    guid, names, session = opened(client, 1)
    model = session.model
    model.set_caption(guid, "shop", names[1], "Side")
    model.mark_delete(guid, "shop", names[0])
    add = session.add_photo(guid, "shop", source_url=client.sandbox.stage(picture("u", 20, 20)))
    assert model.pending_count == 3
    assert model.undo().kind == "add"  # type: ignore[union-attr]
    assert add not in model.pending_adds(guid, "shop")
    assert model.undo().kind == "delete"  # type: ignore[union-attr]
    assert not model.marked_delete(guid, "shop", names[0])
    assert model.undo().kind == "caption"  # type: ignore[union-attr]  # the same undo order
    assert model.pending_count == 0
    model.mark_delete(guid, "shop", names[0])
    model.reset()
    assert model.pending_count == 0
    model.undo()  # a reset is undone like any action: the delete mark comes back
    assert model.pending_deletes(guid, "shop") == [names[0]]


def test_a_colleagues_upload_between_preview_and_save_is_a_conflict_not_a_guess(
    client: sn.ShoptetClient,
) -> None:
    guid, names, session = opened(client, 2)
    mine = client.sandbox.stage(picture("mine", 30, 30))
    session.add_photo(guid, "shop", source_url=mine)
    session.model.mark_delete(guid, "shop", names[-1])
    assert set(session.preview_photos().rows["status"]) == {"would_add", "would_delete"}

    theirs = sn.add_images(
        client, pd.DataFrame({"guid": [guid], "source_url": [client.sandbox.stage(picture("t"))]})
    )
    their_name = theirs.rows["name"].iloc[0]
    session.save()
    rows = session.photo_result.rows  # type: ignore[union-attr]
    assert list(rows["status"]) == ["conflict", "conflict"]
    assert all(their_name in m for m in rows["message"])
    assert shop_names(client, guid) == [*names, their_name]  # nothing of ours was sent
    # The editor now shows the colleague's photo; our edits are kept and a second Save sends them.
    assert their_name in session.model.names(guid, "shop")
    assert session.model.pending_count == 2
    session.save()
    assert sorted(session.photo_result.rows["status"]) == ["added", "deleted"]  # type: ignore[union-attr]
    assert names[-1] not in shop_names(client, guid)
    assert duplicates(client) == 0


def test_local_files_need_a_stager_and_nothing_is_sent_without_one(
    client: sn.ShoptetClient, tmp_path: Path
) -> None:
    guid = with_photos(client, 3)
    file = tmp_path / "front.png"
    file.write_bytes(picture("local-front", 32, 24))
    session = session_on(client, guid)
    requests = dict(client.sandbox.stats()["requests"])
    with pytest.raises(sn.ArgumentError, match=r"local file.*stage="):
        session.add_photo(guid, "shop", path=file)
    with pytest.raises(sn.ArgumentError, match="unknown argument"):
        session.add_photo(guid, "shop", url="https://example.com/a.jpg")  # type: ignore[call-arg]
    adds, problems = session.add_urls(guid, "shop", f"{file}\n\nnot a url://x\n")
    assert adds == []
    assert len(problems) == 2
    assert "stage=" in problems[0]
    assert session.model.pending_count == 0
    session.save()
    assert dict(client.sandbox.stats()["requests"]) == requests  # not one request

    staged = session_on(client, guid, stage=client.sandbox.stage)
    picked = staged.add_photo(guid, "shop", data=file.read_bytes(), filename="front.png")
    assert picked.label == "front.png"
    assert Path(str(picked.path)).read_bytes() == file.read_bytes()  # kept until Save
    staged.add_photo(guid, "shop", path=str(file))  # the same bytes: one of them is a duplicate
    staged.save()
    assert sorted(staged.photo_result.rows["status"]) == ["added", "skipped_duplicate"]  # type: ignore[union-attr]
    assert not Path(str(picked.path)).exists()  # sent: the kept copy is gone
    assert file.exists()  # the user's own file is never touched
    assert duplicates(client) == 0


def test_deletes_go_before_adds_and_captions_after_both(client: sn.ShoptetClient) -> None:
    """Deleting a photo and adding its file again adds it (a delete after the add would see the
    add as a duplicate of the photo about to go); a caption of a photo marked for delete is not
    sent; the caption and order edits are saved after the photos, on the new gallery."""
    guid = with_photos(client, 4)
    data = picture("re-shoot", 36, 24)
    first = pd.DataFrame(
        {"guid": [guid], "source_url": [client.sandbox.stage(data)], "position": [1]}
    )
    assert sn.add_images(client, first).counts["added"] == 1
    names = shop_names(client, guid)
    session = session_on(client, guid)
    session.model.set_caption(guid, "shop", names[0], "about to go")
    session.model.set_caption(guid, "shop", names[1], "Kept")
    session.model.mark_delete(guid, "shop", names[0])
    session.add_photo(guid, "shop", source_url=client.sandbox.stage(data))
    assert list(session.model.changes["name"]) == [names[1]]
    result = session.save()
    assert result is not None
    assert result.counts["updated"] == 1
    rows = session.photo_result.rows  # type: ignore[union-attr]
    assert list(rows["action"]) == ["delete", "add"]
    assert list(rows["status"]) == ["deleted", "added"]
    assert shop_names(client, guid) == [*names[1:], rows["name"].iloc[1]]
    assert session.model.caption(guid, "shop", names[1]) == "Kept"
    assert session.model.pending_count == 0
    assert not session.model.can_undo


def test_one_save_of_photos_and_captions_keeps_every_outcome(client: sn.ShoptetClient) -> None:
    """The caption part of a save must not wipe what the photo part says on the cards."""
    guid, _, names = variant_product(client, shown=2)
    session = session_on(client, guid)
    session.model.mark_delete(guid, "shop", names[2])  # blocked: a variant shows it
    session.model.set_caption(guid, "shop", names[1], "Side view")
    session.add_photo(guid, "shop", source_url=client.sandbox.stage(picture("both", 30, 20)))
    result = session.save()
    assert result is not None
    added = session.photo_result.rows  # type: ignore[union-attr]
    new = added.loc[added["action"] == "add", "name"].iloc[0]
    model = session.model
    assert model.outcome(guid, "shop", names[1]).status == "updated"  # type: ignore[union-attr]
    assert model.outcome(guid, "shop", names[2]).status == "blocked"  # type: ignore[union-attr]
    assert model.outcome(guid, "shop", new).status == "added"  # type: ignore[union-attr]
    # The next save starts afresh: the outcomes of this one are forgotten.
    model.set_caption(guid, "shop", names[0], "Front")
    session.model.mark_delete(guid, "shop", names[2], marked=False)
    session.save()
    assert model.outcome(guid, "shop", names[2]) is None
    assert model.outcome(guid, "shop", new) is None


def test_a_gallery_that_cannot_be_read_again_sends_nothing_and_stays_pending(
    client: sn.ShoptetClient,
) -> None:
    away = False

    def read(client: Any, guids: list[str], **kwargs: Any) -> pd.DataFrame:
        if away:
            raise sn.NetworkError("the shop is away")
        return sn.read_images(client, guids, **kwargs)

    guid = with_photos(client, 3)
    names = shop_names(client, guid)
    session = EditSession(client, journal=False, read=read)
    session.load([(guid, "shop")])
    session.model.mark_delete(guid, "shop", names[0])
    session.add_photo(guid, "shop", source_url=client.sandbox.stage(picture("away", 20, 20)))
    away = True
    session.save()
    rows = session.photo_result.rows  # type: ignore[union-attr]
    assert list(rows["status"]) == ["not_attempted", "not_attempted"]  # never "failed"
    assert "could not be read" in rows["message"].iloc[0]
    assert shop_names(client, guid) == names
    assert session.model.pending_count == 2
    assert session.save_problems
    away = False
    session.save()
    assert sorted(session.photo_result.rows["status"]) == ["added", "deleted"]  # type: ignore[union-attr]
