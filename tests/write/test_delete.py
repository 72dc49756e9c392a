"""delete_images: the plan (references, main image), the archive before each DELETE, the
statuses, judged by the sandbox's own state and counters."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.write.journal import Archived, Deleted, decode_entries, read_journal

DELETE = "DELETE /api/products/{guid}/images/{gallery}/{imageName}"
GALLERY_DELETE = "DELETE /api/products/{guid}/images/{gallery}"


# Every test writes its journals and archives to a folder of its own.
pytestmark = pytest.mark.usefixtures("journal_dir")


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=40)


def shop_of(client: sn.ShoptetClient) -> Any:
    return client.sandbox


def variant_products(client: sn.ShoptetClient, n: int, minimum: int = 4) -> list[dict[str, Any]]:
    shop = shop_of(client)
    found = [
        p for p in shop.products() if len(p["codes"]) > 1 and len(shop.images(p["guid"])) >= minimum
    ]
    assert len(found) >= n
    return found[:n]


def frame(rows: list[tuple[str, str]], gallery: str = "shop") -> pd.DataFrame:
    return pd.DataFrame([{"guid": g, "gallery": gallery, "name": n} for g, n in rows])


def test_plan_lists_references_main_image_and_blocks_referenced(client: sn.ShoptetClient) -> None:
    shop = shop_of(client)
    product = variant_products(client, 1)[0]
    guid = product["guid"]
    for code in product["codes"]:
        shop.set_variant_image(guid, code, None)
    images = shop.images(guid)
    shop.set_variant_image(guid, product["codes"][0], images[2]["name"])
    stats_before = shop.stats()["requests"]
    names = [images[0]["name"], images[2]["name"], "nope.jpg"]
    result = sn.delete_images(client, frame([(guid, n) for n in names]), dry_run=True)
    rows = result.rows.set_index("name")
    assert list(rows["status"]) == ["would_delete", "blocked", "not_found"]
    assert bool(rows.at[images[0]["name"], "is_main"])
    assert rows.at[images[0]["name"], "becomes_main"] == images[1]["name"]
    assert rows.at[images[2]["name"], "variant_codes"] == product["codes"][0]
    assert "remove_references=True" in rows.at[images[2]["name"], "message"]
    # A dry run reads (one product detail) and deletes nothing.
    assert DELETE not in shop.stats()["requests"]
    assert shop.stats()["requests"].get("GET /api/products/{guid}", 0) == (
        stats_before.get("GET /api/products/{guid}", 0) + 1
    )
    assert [i["name"] for i in shop.images(guid)] == [i["name"] for i in images]
    assert result.dry_run
    assert result.counts["would_delete"] == 1


def test_delete_archives_then_deletes_each_photo(
    client: sn.ShoptetClient, journal_dir: Path
) -> None:
    shop = shop_of(client)
    product = variant_products(client, 1)[0]
    guid = product["guid"]
    shop.set_variant_image(guid, product["codes"][0], None)
    images = shop.images(guid)
    victims = [images[0]["name"], images[-1]["name"]]
    shop.set_image(guid, "shop", victims[1], description="Anglický popisek", language="en")
    wanted = {n: shop.images(guid) for n in victims}
    # The shop's originals, read now: once deleted, a photo's files answer 404 (as on
    # Shoptet's CDN), so the archive must have read them before each DELETE.
    served = {n: client.read_file(str(client.image_url(n, "orig"))).content for n in victims}
    result = sn.delete_images(client, frame([(guid, n) for n in victims]))
    assert list(result.rows["status"]) == ["deleted", "deleted"], result.rows["message"].tolist()
    for name in victims:
        with pytest.raises(sn.NotFoundError):
            client.read_file(str(client.image_url(name, "orig")))
    left = [i["name"] for i in shop.images(guid)]
    assert left == [i["name"] for i in images if i["name"] not in victims]
    stats = shop.stats()["requests"]
    assert stats[DELETE] == 2
    assert GALLERY_DELETE not in stats
    assert shop.stats()["pictures"]["with_token"] == 0  # originals read without the token
    # The archive: next to the journal, the original bytes with their sha256, captions in
    # every language, priority, main image.
    assert result.journal_path is not None
    assert result.archive_dir is not None
    assert result.archive_dir == result.journal_path.with_suffix(".archive")
    assert result.archive_dir.parent == journal_dir
    entries = decode_entries(read_journal(result.journal_path))
    archived = [e for e in entries if isinstance(e, Archived)]
    deleted = [e for e in entries if isinstance(e, Deleted)]
    assert [e.name for e in archived] == victims
    assert [e.name for e in deleted] == victims
    for entry in archived:
        content = Path(str(entry.file)).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry.sha256
        assert content == served[str(entry.name)]
        assert set(entry.captions) == {"cs", "sk", "en"}
        record = next(i for i in wanted[str(entry.name)] if i["name"] == entry.name)
        assert entry.priority == record["priority"]
        assert entry.captions["cs"] == record["description"]
        sidecar = json.loads(Path(str(entry.file) + ".json").read_text(encoding="utf-8"))
        assert sidecar["sha256"] == entry.sha256
    assert archived[0].is_main
    assert archived[1].captions["en"] == "Anglický popisek"
    # The archive line precedes its DELETE's line.
    events = [(e.EVENT, getattr(e, "name", None)) for e in entries]
    for name in victims:
        assert events.index(("archived", name)) < events.index(("deleted", name))


def test_remove_references_deletes_a_referenced_photo(client: sn.ShoptetClient) -> None:
    shop = shop_of(client)
    product = variant_products(client, 1)[0]
    guid, code = product["guid"], product["codes"][1]
    name = shop.images(guid)[1]["name"]
    shop.set_variant_image(guid, code, name)
    blocked = sn.delete_images(client, frame([(guid, name)]))
    assert blocked.rows["status"].tolist() == ["blocked"]
    assert DELETE not in shop.stats()["requests"]  # refused by the plan, never sent
    done = sn.delete_images(client, frame([(guid, name)]), remove_references=True)
    assert done.rows["status"].tolist() == ["deleted"]
    assert code not in shop.variant_images(guid)
    archived = next(e for e in decode_entries(done.journal_entries) if isinstance(e, Archived))
    assert archived.variant_codes == (code,)


def test_a_reference_made_after_the_plan_is_blocked_by_the_shop(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shoptet_nb.write import delete_run

    shop = shop_of(client)
    product = variant_products(client, 1)[0]
    guid = product["guid"]
    for code in product["codes"]:
        shop.set_variant_image(guid, code, None)
    name = shop.images(guid)[1]["name"]
    real_keep = delete_run.keep_original

    def keep_then_colleague_references(*args: Any) -> Any:
        kept = real_keep(*args)
        shop.set_variant_image(guid, product["codes"][0], name)
        return kept

    monkeypatch.setattr(delete_run, "keep_original", keep_then_colleague_references)
    result = sn.delete_images(client, frame([(guid, name)]))
    assert result.rows["status"].tolist() == ["blocked"]
    assert result.rows["http_status"].tolist() == [409]
    assert name in [i["name"] for i in shop.images(guid)]


def test_every_row_gets_a_status_and_bad_frames_fail_before_any_request(
    client: sn.ShoptetClient,
) -> None:
    shop = shop_of(client)
    guid = variant_products(client, 1)[0]["guid"]
    name = shop.images(guid)[0]["name"]
    shop.reset_stats()
    with pytest.raises(sn.ArgumentError, match="name"):
        sn.delete_images(client, pd.DataFrame({"guid": [guid]}))
    assert shop.stats()["requests"] == {}
    rows = pd.DataFrame(
        [
            {"guid": guid, "gallery": "shop", "name": name},
            {"guid": guid, "gallery": "shop", "name": name},
            {"guid": guid, "gallery": "other", "name": name},
            {"guid": "", "gallery": "shop", "name": name},
            {"guid": "00000000-0000-4000-8000-000000000000", "gallery": "shop", "name": "x.jpg"},
        ],
        index=[10, 11, 12, 13, 14],
    )
    result = sn.delete_images(client, rows)
    assert list(result.rows.index) == [10, 11, 12, 13, 14]
    assert result.rows["status"].tolist() == [
        "deleted",
        "invalid",
        "invalid",
        "invalid",
        "not_found",
    ]
    assert shop.stats()["requests"][DELETE] == 1


def test_dry_run_is_the_default_on_a_real_shop(client: sn.ShoptetClient) -> None:
    shop = shop_of(client)
    guid = variant_products(client, 1)[0]["guid"]
    name = shop.images(guid)[0]["name"]
    client.sandbox = None  # the same shop, seen as a real one
    try:
        result = sn.delete_images(client, frame([(guid, name)]))
    finally:
        client.sandbox = shop
    assert result.dry_run
    assert result.rows["status"].tolist() == ["would_delete"]
    assert name in [i["name"] for i in shop.images(guid)]


def test_a_photo_whose_original_cannot_be_read_is_not_deleted(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = shop_of(client)
    guid = variant_products(client, 1)[0]["guid"]
    name = shop.images(guid)[0]["name"]

    def broken(url: str, **kwargs: Any) -> Any:
        raise sn.NetworkError("connection reset", method="GET", path=url)

    monkeypatch.setattr(client, "read_file", broken)
    result = sn.delete_images(client, frame([(guid, name)]))
    assert result.rows["status"].tolist() == ["failed"]
    assert "not deleted" in result.rows["message"].iloc[0]
    assert name in [i["name"] for i in shop.images(guid)]
    assert DELETE not in shop.stats()["requests"]


def test_a_delete_that_stays_locked_fails_and_leaves_the_photo() -> None:
    client = sn.sandbox(seed=7, products=40, settings={"max_attempts": 2})
    shop = shop_of(client)
    guid = variant_products(client, 1)[0]["guid"]
    name = shop.images(guid)[-1]["name"]
    real_request = client.request

    def request(method: str, path: str, **kwargs: Any) -> Any:
        if method != "DELETE":
            return real_request(method, path, **kwargs)
        # Every attempt of the DELETE meets the write lock (a 423 fault), nothing else does.
        shop.set_options(fault_rate=1.0, fault_weights={"423": 1.0})
        try:
            return real_request(method, path, **kwargs)
        finally:
            shop.set_options(fault_rate=0.0)

    client.request = request  # type: ignore[method-assign]
    result = sn.delete_images(client, frame([(guid, name)]))
    assert result.rows["status"].tolist() == ["failed"]
    assert result.rows["http_status"].tolist() == [423]
    assert shop.stats()["requests"][DELETE] == 2  # retried once after the lock, not more
    assert name in [i["name"] for i in shop.images(guid)]


def test_a_lost_answer_is_retried_and_the_photo_reported_deleted(
    client: sn.ShoptetClient,
) -> None:
    import httpx

    shop = shop_of(client)
    guid = variant_products(client, 1)[0]["guid"]
    name = shop.images(guid)[-1]["name"]
    real_attempt = client._attempt
    lost = {"n": 0}

    def attempt(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        outcome = real_attempt(method, path, *args, **kwargs)
        if method == "DELETE" and not lost["n"]:
            lost["n"] += 1  # the shop deleted it; its answer never arrives
            outcome.response = None
            outcome.exception = httpx.ReadError("connection reset")
        return outcome

    client._attempt = attempt  # type: ignore[method-assign]
    result = sn.delete_images(client, frame([(guid, name)]))
    assert result.rows["status"].tolist() == ["deleted"]
    assert "lost answer" in result.rows["message"].iloc[0]
    assert shop.stats()["requests"][DELETE] == 2
    assert name not in [i["name"] for i in shop.images(guid)]
    deleted = [e for e in decode_entries(result.journal_entries) if isinstance(e, Deleted)]
    assert [(e.name, e.already_gone) for e in deleted] == [(name, True)]


def test_rows_keep_the_callers_index_even_with_repeated_labels(
    client: sn.ShoptetClient,
) -> None:
    shop = shop_of(client)
    guid = variant_products(client, 1)[0]["guid"]
    for code in next(p["codes"] for p in shop.products() if p["guid"] == guid):
        shop.set_variant_image(guid, code, None)
    names = [i["name"] for i in shop.images(guid)[:2]]
    rows = frame([(guid, names[0]), (guid, names[1]), (guid, "nope.jpg")])
    rows.index = ["a", "a", "b"]
    result = sn.delete_images(client, rows)
    assert list(result.rows.index) == ["a", "a", "b"]
    assert result.rows["name"].tolist() == [*names, "nope.jpg"]
    assert result.rows["status"].tolist() == ["deleted", "deleted", "not_found"]


def test_a_product_that_cannot_be_read_fails_its_rows_only(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = shop_of(client)
    one, two = (p["guid"] for p in variant_products(client, 2))
    for guid in (one, two):
        for code in next(p["codes"] for p in shop.products() if p["guid"] == guid):
            shop.set_variant_image(guid, code, None)
    names = {guid: shop.images(guid)[-1]["name"] for guid in (one, two)}
    real = client.get_product

    def get_product(guid: str, **kwargs: Any) -> Any:
        if guid == one:
            raise sn.NetworkError("timed out", method="GET", path=guid)
        return real(guid, **kwargs)

    monkeypatch.setattr(client, "get_product", get_product)
    result = sn.delete_images(client, frame([(one, names[one]), (two, names[two])]))
    assert result.rows["status"].tolist() == ["failed", "deleted"]
    assert "could not be read" in result.rows["message"].iloc[0]
    assert names[one] in [i["name"] for i in shop.images(one)]


def test_an_interrupt_leaves_a_status_on_every_row(
    client: sn.ShoptetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shoptet_nb.write import delete_run

    shop = shop_of(client)
    guid = variant_products(client, 1, minimum=4)[0]["guid"]
    for code in next(p["codes"] for p in shop.products() if p["guid"] == guid):
        shop.set_variant_image(guid, code, None)
    names = [i["name"] for i in shop.images(guid)[:3]]
    real_keep = delete_run.keep_original
    calls = {"n": 0}

    def keep(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_keep(*args)

    monkeypatch.setattr(delete_run, "keep_original", keep)
    with pytest.raises(sn.Interrupted) as stopped:
        sn.delete_images(client, frame([(guid, n) for n in names]))
    rows = stopped.value.result.rows
    assert rows["status"].tolist() == ["deleted", "not_attempted", "not_attempted"]
    assert [i["name"] for i in shop.images(guid)][:2] == names[1:]
