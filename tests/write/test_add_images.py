"""add_images and its revert, judged by the sandbox's own state and counters (photos per content
hash, requests by endpoint, jobs)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop, serve
from shoptet_nb.sandbox.pictures import picture
from shoptet_nb.write.journal import Added, AddIntent, AddQueued, decode_entries, read_journal

from helpers import calls, server_image

IMAGES = "/api/products/{guid}/images/{gallery}"
POSTS = ("POST", IMAGES)
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + bytes(30)


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=8, insert_job_s=0.2)


def guids(client: sn.ShoptetClient, n: int) -> list[str]:
    return [p["guid"] for p in client.sandbox.products()[:n]]


def photos(client: sn.ShoptetClient, guid: str, n: int, tag: str = "") -> list[dict[str, Any]]:
    shop = client.sandbox
    return [
        {"guid": guid, "source_url": shop.stage(picture(f"{guid}{tag}-{k}", 24, 16))}
        for k in range(n)
    ]


def duplicates(client: sn.ShoptetClient) -> int:
    return sum(n - 1 for n in client.sandbox.stats()["photos_per_hash"].values() if n > 1)


def names(client: sn.ShoptetClient, guid: str) -> list[str]:
    return [image["name"] for image in client.sandbox.images(guid)]


def test_adds_each_photo_once_at_the_end_with_its_name(client: sn.ShoptetClient) -> None:
    first, second = guids(client, 2)
    before = {g: client.sandbox.images(g) for g in (first, second)}
    frame = pd.DataFrame(photos(client, first, 3) + photos(client, second, 2)).set_axis(
        list("abcde")
    )
    frame["description"] = ["Zepředu", None, "Balení", None, None]
    original = frame.copy(deep=True)
    result = sn.add_images(client, frame)
    pd.testing.assert_frame_equal(frame, original)
    assert list(result.rows.index) == list("abcde")
    assert result.counts["added"] == 5
    assert result.rows["in_order"].all()
    for g in (first, second):
        rows = result.rows[result.rows["guid"] == g]
        # In frame order after the last photo with a priority (those without stay last),
        # under the names the shop gave them.
        numbered = [i["name"] for i in before[g] if i["priority"] is not None]
        unnumbered = [i["name"] for i in before[g] if i["priority"] is None]
        assert names(client, g) == numbered + list(rows["name"]) + unnumbered
    assert server_image(client, first, result.rows.loc["a", "name"])["description"] == "Zepředu"
    assert calls(client, *POSTS) == 2  # one POST per gallery
    assert duplicates(client) == 0
    assert set(client.sandbox.stats()["photos_per_hash"].values()) == {1}


def test_the_same_frame_again_adds_nothing(client: sn.ShoptetClient) -> None:
    frame = pd.DataFrame(photos(client, guids(client, 1)[0], 4))
    assert sn.add_images(client, frame).counts["added"] == 4
    client.sandbox.reset_stats()
    again = sn.add_images(client, frame)
    assert again.counts["skipped_duplicate"] == 4
    assert again.rows["name"].notna().all()  # the photo the gallery has
    assert calls(client, *POSTS) == 0
    assert duplicates(client) == 0


def test_the_same_file_twice_in_one_frame_is_sent_once(client: sn.ShoptetClient) -> None:
    g = guids(client, 1)[0]
    data = picture("twice", 20, 20)
    frame = pd.DataFrame([{"guid": g, "source_url": client.sandbox.stage(data)} for _ in range(2)])
    result = sn.add_images(client, frame)
    assert list(result.rows["status"]) == ["added", "skipped_duplicate"]
    assert duplicates(client) == 0


def test_rows_that_break_a_rule_are_invalid_and_nothing_is_sent(
    client: sn.ShoptetClient, tmp_path: Path
) -> None:
    g = guids(client, 1)[0]
    local = tmp_path / "photo.png"
    local.write_bytes(picture("local"))
    frame = pd.DataFrame(
        [
            {"guid": g, "path": str(local)},
            {"guid": g, "source_url": "/home/me/photo.jpg"},
            {"guid": g, "source_url": "ftp://example.com/a.jpg"},
            {"guid": g, "source_url": "https://example.com/" + "a" * 2000},
            {"guid": "", "source_url": "https://example.com/a.jpg"},
            {"guid": g, "gallery": "banner", "source_url": "https://example.com/a.jpg"},
            {"guid": g, "source_url": "https://example.com/a.jpg", "priority": 0},
            {"guid": g, "source_url": "https://example.com/a.jpg", "priority": 3, "position": 1},
        ]
    )
    client.sandbox.reset_stats()
    result = sn.add_images(client, frame)
    assert set(result.rows["status"]) == {"invalid"}
    messages = list(result.rows["message"])
    assert "stage=" in messages[0]
    assert "local file" in messages[0]
    assert "local file" in messages[1]
    assert "http(s)" in messages[2]
    assert "2000" in messages[3]
    assert "guid is empty" in messages[4]
    assert "gallery" in messages[5]
    assert "priority must be from 1 to 65535" in messages[6]
    assert "not both" in messages[7]
    assert client.sandbox.stats()["requests"] == {}  # not one request


def test_a_frame_without_the_columns_is_refused_at_once(client: sn.ShoptetClient) -> None:
    with pytest.raises(sn.FrameError, match="source_url"):
        sn.add_images(client, pd.DataFrame({"guid": ["x"]}))
    with pytest.raises(sn.FrameError, match="unknown column"):
        sn.add_images(client, pd.DataFrame({"guid": ["x"], "source_url": ["u"], "name": ["n"]}))


def test_bad_sources_are_invalid_before_anything_is_sent(client: sn.ShoptetClient) -> None:
    shop = client.sandbox
    g = guids(client, 1)[0]
    frame = pd.DataFrame(
        {
            "guid": g,
            "source_url": [
                shop.stage(picture("gone"), behaviour="missing"),
                shop.stage(picture("page"), behaviour="html"),
                shop.stage(WEBP),
                shop.stage(b"\x00" * 64),
                shop.stage(b"\xff\xd8\xff" + bytes(3000)),
            ],
        }
    )
    result = sn.add_images(client, frame, max_bytes=2000)
    assert set(result.rows["status"]) == {"invalid"}
    messages = list(result.rows["message"])
    assert "HTTP 404" in messages[0]
    assert "HTML page" in messages[1]
    assert "WebP" in messages[2]
    assert "allow_webp=True" in messages[2]
    assert "not a JPEG, PNG, GIF or WebP" in messages[3]
    assert "larger than 2000" in messages[4]
    assert calls(client, *POSTS) == 0


def test_an_item_the_shop_refuses_fails_with_its_reason(client: sn.ShoptetClient) -> None:
    g = guids(client, 1)[0]
    shop = client.sandbox
    shop.set_options(slow_source_s=0.05, source_timeout_s=0.01)
    frame = pd.DataFrame(
        {"guid": g, "source_url": [shop.stage(WEBP), shop.stage(picture("s"), behaviour="slow")]}
    )
    result = sn.add_images(client, frame, allow_webp=True)  # sent; the shop rejects WebP
    assert list(result.rows["status"]) == ["failed", "failed"]
    assert "file-upload-invalid-type" in result.rows["message"].iloc[0]
    assert "file-upload-error" in result.rows["message"].iloc[1]


def test_local_files_go_through_the_stager_byte_for_byte(
    client: sn.ShoptetClient, tmp_path: Path
) -> None:
    g = guids(client, 1)[0]
    data = picture("from-disk", 33, 21)
    (tmp_path / "a.png").write_bytes(data)
    staged: list[bytes] = []

    def stage(blob: bytes) -> str:
        staged.append(blob)
        return client.sandbox.stage(blob)

    result = sn.add_images(
        client, pd.DataFrame({"guid": [g], "path": [str(tmp_path / "a.png")]}), stage=stage
    )
    assert result.rows["status"].tolist() == ["added"]
    assert staged == [data]
    name = result.rows["name"].iloc[0]
    original = client.read_file(client.image_url(name, "orig") or "").content
    assert hashlib.sha256(original).hexdigest() == hashlib.sha256(data).hexdigest()


def test_an_interrupt_says_what_was_sent_and_a_rerun_finishes(
    client: sn.ShoptetClient, tmp_path: Path
) -> None:
    first, second = guids(client, 2)
    for n in range(2):
        (tmp_path / f"{n}.png").write_bytes(picture(f"interrupt-{n}", 20, 20))
    frame = pd.DataFrame(
        {"guid": [first, second], "path": [str(tmp_path / f"{n}.png") for n in range(2)]}
    )
    calls_made: list[bytes] = []

    def stage_then_ctrl_c(data: bytes) -> str:
        calls_made.append(data)
        if len(calls_made) == 2:
            raise KeyboardInterrupt  # Ctrl+C while the second gallery is being staged
        return client.sandbox.stage(data)

    with pytest.raises(sn.Interrupted) as caught:
        sn.add_images(client, frame, stage=stage_then_ctrl_c)
    rows = caught.value.result.rows
    assert rows["status"].tolist() == ["failed", "not_attempted"]
    assert "run the same frame again" in rows["message"].iloc[0]
    rerun = sn.add_images(client, frame, stage=client.sandbox.stage)
    assert rerun.rows["status"].tolist() == ["skipped_duplicate", "added"]
    assert duplicates(client) == 0


def test_a_position_puts_the_photo_there_and_leaves_the_others_alone_when_gaps_allow(
    client: sn.ShoptetClient,
) -> None:
    g = guids(client, 1)[0]
    for k, name in enumerate(names(client, g)):
        client.sandbox.set_image(g, "shop", name, priority=10 * (k + 1))
    before = {i["name"]: i["priority"] for i in client.sandbox.images(g)}
    frame = pd.DataFrame(photos(client, g, 2))
    frame["position"] = [1, 3]
    client.sandbox.reset_stats()
    result = sn.add_images(client, frame)
    assert result.rows["in_order"].all()
    after = names(client, g)
    new = list(result.rows["name"])
    assert after[0] == new[0]
    assert after[2] == new[1]
    assert [n for n in after if n not in new] == list(before)
    assert server_image(client, g, new[0])["isMainImage"]
    assert client.sandbox.stats()["writes"] == {}  # the gaps had room: no other photo moved
    assert {n: p for n, p in before.items()} == {
        i["name"]: i["priority"] for i in client.sandbox.images(g) if i["name"] not in new
    }


def test_a_position_with_no_room_moves_the_fewest_others(client: sn.ShoptetClient) -> None:
    g = guids(client, 1)[0]
    for k, name in enumerate(names(client, g)):
        client.sandbox.set_image(g, "shop", name, priority=k + 1)  # 1, 2, 3 ...: no gaps
    before = names(client, g)
    frame = pd.DataFrame(photos(client, g, 1))
    frame["position"] = [2]
    client.sandbox.reset_stats()
    result = sn.add_images(client, frame)
    assert result.rows["in_order"].all()
    new = result.rows["name"].iloc[0]
    assert names(client, g) == [before[0], new, *before[1:]]
    # No number lies between 1 and 2: the first photo keeps 1, the new one takes 2 and every
    # photo after it moves up by one (the fewest possible), each written once.
    writes = client.sandbox.stats()["writes"]
    assert sorted(writes) == sorted(f"{g}/shop/{n}" for n in before[1:])
    assert set(writes.values()) == {1}
    shown = {i["name"]: i["priority"] for i in client.sandbox.images(g)}
    assert shown[before[0]] == 1
    assert len(set(shown.values())) == len(shown)  # no ties left to chance


def test_a_lost_answer_is_found_in_the_job_list_not_sent_again() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2)
    client = _client(shop, _drop_post_answer)
    g = shop.products()[0]["guid"]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 3)))
    assert result.counts["added"] == 3
    assert result.rows["job_id"].nunique() == 1
    assert shop.stats()["requests"][f"POST {IMAGES}"] == 1
    assert duplicates(client) == 0


def test_a_423_is_not_sent_again_the_job_is_found() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.5)
    client = _client(shop, _post_twice)
    g = shop.products()[0]["guid"]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 2)))
    assert result.counts["added"] == 2
    assert shop.stats()["responses"].get("423") == 1
    assert duplicates(client) == 0


def test_a_post_that_never_ran_is_sent_again_once_the_job_list_shows_no_job() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2)
    client = _client(shop, _first_post_refused_by_a_proxy())
    g = shop.products()[0]["guid"]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 2)))
    assert result.counts["added"] == 2
    assert shop.stats()["requests"][f"POST {IMAGES}"] == 1  # the one that reached the shop
    assert duplicates(client) == 0


def test_a_rerun_after_a_kill_after_the_202_adds_nothing_twice() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=1.0)
    client = _client(shop, None)
    g = shop.products()[0]["guid"]
    frame = pd.DataFrame(photos(client, g, 3))
    # The first run's POST left with its 202, then the kernel died: the job runs on.
    body = {"data": {"images": [{"sourceUrl": u} for u in frame["source_url"]]}}
    api = httpx.Client(transport=shop.transport(), base_url=SANDBOX_BASE_URL,
                       headers={"Shoptet-Private-API-Token": "t"})  # fmt: skip
    assert api.post(f"/api/products/{g}/images/shop", json=body).status_code == 202
    rerun = sn.add_images(client, frame)
    assert rerun.counts["skipped_duplicate"] == 3
    assert shop.stats()["requests"][f"POST {IMAGES}"] == 1
    assert duplicates(client) == 0


def test_without_a_usable_result_file_photos_are_known_by_content() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2, truncated_result_rate=1.0)
    client = _client(shop, None)
    g = shop.products()[0]["guid"]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 3)))
    assert result.counts["added"] == 3
    assert set(result.rows["name"]) == set(names(client, g)[-3:])


def test_a_colleagues_upload_of_the_same_file_is_a_conflict_not_a_guess() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2, truncated_result_rate=1.0)
    client = _client(shop, _colleague_adds_the_same)
    g = shop.products()[0]["guid"]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 1)))
    assert result.rows["status"].tolist() == ["conflict"]
    assert "someone else" in result.rows["message"].iloc[0]


def test_captions_in_another_language_are_set_after_the_job(client: sn.ShoptetClient) -> None:
    g = guids(client, 1)[0]
    frame = pd.DataFrame(photos(client, g, 1))
    frame["description"], frame["language"] = "Balenie", "sk"
    name = sn.add_images(client, frame).rows["name"].iloc[0]
    in_sk = {i["name"]: i["description"] for i in client.sandbox.images(g, language="sk")}
    assert in_sk[name] == "Balenie"


def test_a_failed_job_fails_its_rows_with_the_shops_log() -> None:
    client = sn.sandbox(seed=7, products=3, insert_job_s=0.2, job_failure_rate=1.0)
    result = sn.add_images(client, pd.DataFrame(photos(client, guids(client, 1)[0], 2)))
    assert result.rows["status"].tolist() == ["failed", "failed"]
    assert "the image insert stopped" in result.rows["message"].iloc[0]
    assert client.sandbox.stats()["photos_per_hash"] == {}


def test_over_loopback_with_sources_staged_on_the_served_address() -> None:
    with serve(SandboxOptions(products=3, seed=4, insert_job_s=0.2)) as running:
        client = sn.connect("t", base_url=running.base_url)
        client.sandbox = running.shop
        g = running.shop.products()[0]["guid"]
        url = running.shop.stage(picture("loop", 16, 16), base=running.base_url)
        result = sn.add_images(client, pd.DataFrame({"guid": [g], "source_url": [url]}))
        assert result.rows["status"].tolist() == ["added"]
        assert running.shop.stats()["downloads"]["with_token"] == 0
        client.close()


def test_dry_run_is_the_default_on_a_real_shop() -> None:
    shop = SandboxShop(products=3, seed=1, insert_job_s=0.2)
    real = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=shop.transport())
    g = shop.products()[0]["guid"]
    result = sn.add_images(
        real, pd.DataFrame([{"guid": g, "source_url": shop.stage(picture("d"))}])
    )
    assert result.dry_run
    assert result.rows["status"].tolist() == ["would_add"]
    assert result.rows["priority"].notna().all()
    assert shop.stats()["requests"].get(f"POST {IMAGES}") is None


def test_a_shop_without_the_job_webhook_says_how_to_register_one() -> None:
    client = sn.sandbox(seed=7, products=3, job_webhook=False)
    result = sn.add_images(client, pd.DataFrame(photos(client, guids(client, 1)[0], 1)))
    assert result.rows["status"].tolist() == ["failed"]
    assert "register_job_webhook" in result.rows["message"].iloc[0]


def test_revert_deletes_exactly_the_added_photos(client: sn.ShoptetClient) -> None:
    g = guids(client, 1)[0]
    before = names(client, g)
    frame = pd.DataFrame(photos(client, g, 3))
    result = sn.add_images(client, frame)
    entries = decode_entries(read_journal(result.journal_path))  # type: ignore[arg-type]
    assert [type(e) for e in entries] == [AddIntent, AddQueued, Added]
    added = entries[-1]
    assert isinstance(added, Added)
    assert [p.name for p in added.photos] == list(result.rows["name"])
    assert [p.sha256 for p in added.photos] == list(result.rows["sha256"])
    assert added.encode() == Added.decode(added.encode()).encode()
    client.sandbox.set_image(g, "shop", result.rows["name"].iloc[0], description="changed")
    undone = sn.revert(result)
    assert undone.counts["deleted"] == 3
    assert names(client, g) == before
    again = sn.revert(result.journal_path, client=client)  # from the file: already gone
    assert again.counts["not_found"] == 3


# --- carriers that misbehave around the POST ------------------------------------------------


def _client(shop: SandboxShop, misbehave: Callable[..., httpx.Response] | None) -> sn.ShoptetClient:
    inner = shop.transport()

    class Carrier(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            is_post = request.method == "POST" and "/images/" in request.url.path
            if misbehave is None or not is_post:
                return inner.handle_request(request)
            return misbehave(inner, request, shop)

    client = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=Carrier())
    client.sandbox = shop
    return client


def _drop_post_answer(inner: Any, request: httpx.Request, shop: SandboxShop) -> httpx.Response:
    inner.handle_request(request).read()  # the POST lands ...
    raise httpx.RemoteProtocolError("Server disconnected", request=request)  # ... its answer not


def _first_post_refused_by_a_proxy() -> Callable[..., httpx.Response]:
    refused: list[bool] = []

    def carrier(inner: Any, request: httpx.Request, shop: SandboxShop) -> httpx.Response:
        if not refused:
            refused.append(True)  # a 503 from something in front of the shop: never ran
            return httpx.Response(503, content=b"<html>busy</html>", request=request)
        return inner.handle_request(request)  # type: ignore[no-any-return]

    return carrier


def _post_twice(inner: Any, request: httpx.Request, shop: SandboxShop) -> httpx.Response:
    inner.handle_request(request).read()  # a first copy lands, its answer is lost
    return inner.handle_request(request)  # the copy the client sees meets the lock: 423


def _colleague_adds_the_same(
    inner: Any, request: httpx.Request, shop: SandboxShop
) -> httpx.Response:
    import json

    answer = inner.handle_request(request)
    answer.read()
    url = json.loads(request.content)["data"]["images"][0]["sourceUrl"]
    data = httpx.Client(transport=inner).get(url).content
    other = {"data": {"images": [{"sourceUrl": shop.stage(data)}]}}
    colleague = httpx.Client(transport=inner, base_url=SANDBOX_BASE_URL,
                             headers={"Shoptet-Private-API-Token": "colleague"})  # fmt: skip
    assert colleague.post(request.url.path, json=other).status_code == 202
    return answer
