"""revert of a delete: without a stage every row says it cannot restore (never a false
success); with a stage the photos come back with the archived bytes, captions in every
language, their place in the order and the variants' references."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.write import delete_revert
from shoptet_nb.write.add.sources import MAX_SOURCE_BYTES
from shoptet_nb.write.journal import Restored, decode_entries, read_journal

from readd_double import SandboxReAdder, original_sha

# Every test writes its journals and archives to a folder of its own.
pytestmark = pytest.mark.usefixtures("journal_dir")


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=40)


def setup_deleted(client: sn.ShoptetClient) -> tuple[Any, str, list[dict[str, Any]], Any]:
    """Delete the main photo, a referenced one and one with an English caption of a product."""
    shop = client.sandbox
    product = next(
        p
        for p in shop.products()
        if len(p["codes"]) > 1
        and len(shop.images(p["guid"])) >= 5
        and len({i["priority"] for i in shop.images(p["guid"])}) == len(shop.images(p["guid"]))
    )
    guid = product["guid"]
    for code in product["codes"]:
        shop.set_variant_image(guid, code, None)
    images = shop.images(guid)
    shop.set_variant_image(guid, product["codes"][1], images[2]["name"])
    shop.set_image(guid, "shop", images[3]["name"], description="Boční pohled", language="sk")
    shop.set_image(guid, "shop", images[3]["name"], description="Side view", language="en")
    victims = [images[0]["name"], images[2]["name"], images[3]["name"]]
    double = SandboxReAdder(shop, [guid])
    before = {lang: shop.images(guid, language=lang) for lang in ("cs", "sk", "en")}
    frame = pd.DataFrame({"guid": guid, "gallery": "shop", "name": victims})
    result = sn.delete_images(client, frame, remove_references=True)
    assert result.rows["status"].tolist() == ["deleted"] * 3
    return result, guid, before["cs"], (double, before, product)


def test_without_a_stage_every_row_says_it_cannot_restore(client: sn.ShoptetClient) -> None:
    result, guid, _, _ = setup_deleted(client)
    left = client.sandbox.images(guid)
    undone = sn.revert(result)
    assert isinstance(undone, sn.DeleteResult)
    assert undone.rows["status"].tolist() == ["not_restored"] * 3
    for message, file in zip(undone.rows["message"], result.rows["archive_file"], strict=True):
        assert "stage=" in message
        assert str(file) in message
    assert undone.counts["restored"] == 0
    assert client.sandbox.images(guid) == left  # nothing was added, nothing claimed


def test_with_a_stage_but_no_add_path_rows_say_so(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _, _, _ = setup_deleted(client)
    monkeypatch.setattr(delete_revert, "READD", None)
    undone = sn.revert(result, stage=lambda content: "https://example.test/x.jpg")
    assert undone.rows["status"].tolist() == ["not_restored"] * 3
    assert all("no way to add photos" in m for m in undone.rows["message"])


def test_the_add_path_restores_the_photos_byte_for_byte(client: sn.ShoptetClient) -> None:
    result, guid, before, _ = setup_deleted(client)
    shop = client.sandbox
    undone = sn.revert(result, stage=shop.stage)  # delete_revert.READD: add_images itself
    assert undone.rows["status"].tolist() == ["restored"] * 3, undone.rows["message"].tolist()
    new_names = dict(zip(undone.rows["name"], undone.rows["restored_as"], strict=True))
    after = [i["name"] for i in shop.images(guid)]
    assert after == [new_names.get(i["name"], i["name"]) for i in before]  # order as before


def test_with_a_stage_photos_come_back_whole(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, guid, before, (double, by_language, product) = setup_deleted(client)
    monkeypatch.setattr(delete_revert, "READD", double)
    shop = client.sandbox
    undone = sn.revert(result, stage=double.stage)
    assert undone.rows["status"].tolist() == ["restored"] * 3, undone.rows["message"].tolist()
    new_names = dict(zip(undone.rows["name"], undone.rows["restored_as"], strict=True))
    assert all(m.startswith("restored_as ") for m in undone.rows["message"])
    assert double.calls == 1  # one re-add for the gallery's three photos
    # Bytes identical, captions in every language, order (and so the main image) as before.
    after = {lang: shop.images(guid, language=lang) for lang in ("cs", "sk", "en")}
    renamed = [new_names.get(i["name"], i["name"]) for i in before]
    assert [i["name"] for i in after["cs"]] == renamed
    assert after["cs"][0]["isMainImage"]
    assert after["cs"][0]["name"] == new_names[before[0]["name"]]
    for old, new in new_names.items():
        assert original_sha(shop, new) == original_sha(shop, old)
    for lang in ("cs", "sk", "en"):
        shown = {new_names.get(i["name"], i["name"]): i["description"] for i in by_language[lang]}
        assert {i["name"]: i["description"] for i in after[lang]} == shown
    # The variant shows the photo again, under its new name.
    assert shop.variant_images(guid) == {product["codes"][1]: new_names[before[2]["name"]]}
    # Journaled after the delete's lines; a second revert restores nothing twice.
    assert result.journal_path is not None
    restored = [
        e for e in decode_entries(read_journal(result.journal_path)) if isinstance(e, Restored)
    ]
    assert {e.name: e.new_name for e in restored} == new_names
    again = sn.revert(result.journal_path, client=client, stage=double.stage)
    assert again.rows["status"].tolist() == ["skipped"] * 3
    assert double.calls == 1


def test_a_stage_that_fails_fails_its_row_only(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _, _, (double, _, _) = setup_deleted(client)
    monkeypatch.setattr(delete_revert, "READD", double)
    first = result.rows["archive_file"].iloc[0]

    def stage(content: bytes) -> str:
        if content == Path(first).read_bytes():
            raise OSError("bucket is read-only")
        return double.stage(content)

    undone = sn.revert(result, stage=stage)
    assert undone.rows["status"].tolist() == ["failed", "restored", "restored"]
    assert "bucket is read-only" in undone.rows["message"].iloc[0]


def test_restored_bytes_that_differ_are_not_a_success(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _, _, (double, _, _) = setup_deleted(client)
    # A re-add that lands another photo of the product than the one staged.
    wrong = dict(double.photos)
    keys = list(wrong)
    double.photos = {k: wrong[keys[-1]] for k in keys}
    monkeypatch.setattr(delete_revert, "READD", double)
    undone = sn.revert(result, stage=double.stage)
    assert undone.rows["status"].tolist() == ["failed"] * 3
    assert all("bytes differ" in m for m in undone.rows["message"])
    assert undone.rows["restored_as"].notna().all()  # added, and said so: not hidden


@pytest.mark.parametrize("journal", [None, False])
def test_reverting_the_same_result_twice_adds_nothing_twice(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch, journal: bool | None
) -> None:
    shop = client.sandbox
    guid = next(p["guid"] for p in shop.products() if len(shop.images(p["guid"])) >= 3)
    double = SandboxReAdder(shop, [guid])
    name = shop.images(guid)[-1]["name"]
    frame = pd.DataFrame({"guid": [guid], "name": [name]})
    result = sn.delete_images(client, frame, remove_references=True, journal=journal)
    monkeypatch.setattr(delete_revert, "READD", double)
    first = sn.revert(result, stage=double.stage)
    second = sn.revert(result, stage=double.stage)
    assert first.rows["status"].tolist() == ["restored"]
    assert second.rows["status"].tolist() == ["skipped"]
    assert second.rows["restored_as"].tolist() == first.rows["restored_as"].tolist()
    assert double.calls == 1


def test_an_original_the_add_path_refuses_says_why_and_where_it_is(
    client: sn.ShoptetClient,
) -> None:
    """A CDN may keep a photo as WebP under a .jpg name: its archived original is WebP, which
    the add path does not send (Shoptet's help says WebP cannot be uploaded). The row must say
    so and where the archive is, not that "the shop did not add it" (nothing was sent)."""
    shop = client.sandbox
    guid, name = next(
        (p["guid"], i["name"])
        for p in shop.products()
        for i in shop.images(p["guid"])
        if shop.photo(i["name"]).format == "WEBP"
    )
    frame = pd.DataFrame({"guid": [guid], "name": [name]})
    result = sn.delete_images(client, frame, remove_references=True)
    left = shop.images(guid)
    undone = sn.revert(result, stage=shop.stage)
    assert undone.rows["status"].tolist() == ["failed"]
    message = undone.rows["message"].iloc[0]
    assert "WebP" in message
    assert str(result.rows["archive_file"].iloc[0]) in message
    assert shop.images(guid) == left  # nothing added


def test_a_webp_original_comes_back_as_a_lossless_png_only_when_asked() -> None:
    """webp="png" re-adds a PNG conversion of a WebP original, and the row says so with both
    sha256s (never that the bytes are identical); without it the original is refused."""
    image = pytest.importorskip("PIL.Image")
    client = sn.sandbox(seed=7, products=4, insert_job_s=0.2, insert_webp="accept")
    shop = client.sandbox
    guid = shop.products()[0]["guid"]
    picture = image.new("RGBA", (24, 16), (200, 30, 60, 255))
    picture.putpixel((3, 4), (1, 2, 3, 128))
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", lossless=True)
    webp = buffer.getvalue()
    frame = pd.DataFrame({"guid": [guid], "source_url": [shop.stage(webp)]})
    name = sn.add_images(client, frame, allow_webp=True).rows["name"].iloc[0]
    deleted = sn.delete_images(client, pd.DataFrame({"guid": [guid], "name": [name]}))
    assert deleted.rows["status"].tolist() == ["deleted"]
    refused = sn.revert(deleted, stage=shop.stage)
    assert refused.rows["status"].tolist() == ["failed"]
    assert 'webp="png"' in refused.rows["message"].iloc[0]
    undone = sn.revert(deleted, stage=shop.stage, webp="png")
    row = undone.rows.iloc[0]
    assert row["status"] == "restored", row["message"]
    png = client.read_file(str(client.image_url(row["restored_as"], "orig"))).content
    assert png.startswith(b"\x89PNG")
    assert row["sha256"] == hashlib.sha256(webp).hexdigest()
    assert row["restored_sha256"] == hashlib.sha256(png).hexdigest()
    assert "converted from WebP to PNG" in row["message"]
    assert row["sha256"] in row["message"]
    assert row["restored_sha256"] in row["message"]
    with image.open(io.BytesIO(png)) as shown, image.open(io.BytesIO(webp)) as kept:
        assert shown.mode == kept.mode
        assert shown.tobytes() == kept.tobytes()  # the same pixels


def test_webp_takes_only_png() -> None:
    client = sn.sandbox(seed=7, products=2)
    with pytest.raises(sn.ArgumentError, match="webp"):
        sn.revert("no-such.jsonl", client=client, webp="jpeg")


def test_an_archived_original_over_the_add_paths_size_limit_comes_back_byte_identical(
    client: sn.ShoptetClient,
) -> None:
    """The add path refuses sources over 32 MB (a guard for unknown supplier URLs), but a
    restore re-adds bytes the shop itself served: its size is no reason to refuse them."""
    shop = client.sandbox
    limit = MAX_SOURCE_BYTES
    guid, name = next(
        (p["guid"], i["name"])
        for p in shop.products()
        for i in shop.images(p["guid"])
        if shop.photo(i["name"]).bytes > limit and shop.photo(i["name"]).format != "WEBP"
    )
    sha = original_sha(shop, name)
    deleted = sn.delete_images(client, pd.DataFrame({"guid": [guid], "name": [name]}))
    assert deleted.rows["status"].tolist() == ["deleted"]
    undone = sn.revert(deleted, stage=shop.stage)
    row = undone.rows.iloc[0]
    assert row["status"] == "restored", row["message"]
    served = client.read_file(str(client.image_url(row["restored_as"], "orig"))).content
    assert hashlib.sha256(served).hexdigest() == sha == row["restored_sha256"]
    # The guard still holds for a source the shop never served.
    staged = shop.stage(b"\xff\xd8\xff" + b"\0" * limit)
    added = sn.add_images(client, pd.DataFrame({"guid": [guid], "source_url": [staged]}))
    assert added.rows["status"].tolist() == ["invalid"]
    assert f"larger than {limit}" in added.rows["message"].iloc[0]
