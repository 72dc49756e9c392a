"""revert() of an add: the photos it added go, the others' priorities it moved come back, and a
journal cut off after the 202 (kernel killed) still lets a revert find exactly its photos."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from test_add_images import duplicates, guids, names, photos

import shoptet_nb as sn
from shoptet_nb.jobs import JOBS_PATH
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxShop
from shoptet_nb.write.add.result import ADD_STATUSES, REVERT_STATUSES
from shoptet_nb.write.journal import AddIntent, AddQueued, decode_entries, read_journal

# Every test writes its journals to a folder of its own.
pytestmark = pytest.mark.usefixtures("journal_dir")


class Recorder(httpx.BaseTransport):
    """The sandbox's transport, keeping the body of every PATCH of images."""

    def __init__(self, shop: SandboxShop) -> None:
        self.inner = shop.transport()
        self.patches: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and "/images/" in request.url.path:
            self.patches.append(json.loads(request.content))
        return self.inner.handle_request(request)


def recorded(shop: SandboxShop) -> tuple[sn.ShoptetClient, Recorder]:
    carrier = Recorder(shop)
    client = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=carrier)
    client.sandbox = shop
    return client, carrier


def priorities(client: sn.ShoptetClient, guid: str) -> dict[str, Any]:
    return {i["name"]: i["priority"] for i in client.sandbox.images(guid)}


# --- 1: the priorities a position moved ---------------------------------------------------


def test_revert_moves_back_the_photos_a_position_shifted_except_a_colleagues_change() -> None:
    shop = SandboxShop(products=4, seed=3, insert_job_s=0.2)
    client, carrier = recorded(shop)
    g = next(p["guid"] for p in shop.products() if len(shop.images(p["guid"])) >= 4)
    for k, name in enumerate(names(client, g)):
        shop.set_image(g, "shop", name, priority=k + 1)  # 1, 2, 3 ...: no gaps
    before = priorities(client, g)
    frame = pd.DataFrame(photos(client, g, 1))
    frame["position"] = [2]
    result = sn.add_images(client, frame)
    assert result.rows["status"].tolist() == ["added"]
    moved = sorted(n for n, p in priorities(client, g).items() if n in before and p != before[n])
    assert len(moved) >= 2  # the add had to shift the photos after place 1
    colleague = moved[-1]
    shop.set_image(g, "shop", colleague, priority=900)  # someone else moves it afterwards
    carrier.patches.clear()
    undone = sn.revert(result)
    assert priorities(client, g) == {**before, colleague: 900}
    rows = undone.rows.set_index("name")
    assert rows.loc[result.rows["name"].iloc[0], "status"] == "deleted"
    assert (rows.loc[moved[:-1], "status"] == "restored").all()
    assert rows.loc[colleague, "status"] == "conflict"
    assert "900" in rows.loc[colleague, "message"]
    # One PATCH, one item per photo moved back, and only its priority.
    sent = [item for body in carrier.patches for item in body["data"]["images"]]
    assert sorted(item["name"] for item in sent) == moved[:-1]
    assert all(set(item) == {"name", "priority"} for item in sent)
    assert len(carrier.patches) == 1
    again = sn.revert(result.journal_path, client=client)  # nothing left to do
    again_rows = again.rows.set_index("name")
    assert again_rows.loc[result.rows["name"].iloc[0], "status"] == "not_found"
    assert (again_rows.loc[moved[:-1], "status"] == "unchanged").all()
    assert again_rows.loc[colleague, "status"] == "conflict"


# --- 2: a kernel killed after the 202 -------------------------------------------------------


def cut_after(path: Path, last_event: str) -> None:
    """Keep the journal's lines up to the first ``last_event`` line: what a kernel killed
    then leaves on disk."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    events = [json.loads(line)["event"] for line in lines]
    path.write_text("".join(lines[: events.index(last_event) + 1]), encoding="utf-8")


def colleague_posts(shop: SandboxShop, guid: str, data: list[bytes]) -> None:
    """Someone else uploads these files to the gallery (their own job)."""
    body = {"data": {"images": [{"sourceUrl": shop.stage(d)} for d in data]}}
    api = httpx.Client(transport=shop.transport(), base_url=SANDBOX_BASE_URL,
                       headers={"Shoptet-Private-API-Token": "colleague"})  # fmt: skip
    assert api.post(f"/api/products/{guid}/images/shop", json=body).status_code == 202
    wait_for_jobs(shop)


def wait_for_jobs(shop: SandboxShop) -> None:
    client = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=shop.transport())
    for _ in range(200):
        jobs = client.request("GET", JOBS_PATH).data["jobs"]
        if all(j["status"] in ("completed", "failed") for j in jobs):
            return
        time.sleep(0.05)
    raise AssertionError("the sandbox's jobs did not finish")


def killed_add(shop: SandboxShop, last_event: str, n: int = 2) -> tuple[sn.AddResult, list[bytes]]:
    client = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=shop.transport())
    client.sandbox = shop
    g = shop.products()[0]["guid"]
    frame = pd.DataFrame(photos(client, g, n, tag="killed"))
    result = sn.add_images(client, frame)
    assert result.counts["added"] == n
    assert result.journal_path is not None
    cut_after(result.journal_path, last_event)
    data = [client.read_file(u).content for u in frame["source_url"]]
    return result, data


@pytest.mark.parametrize("last_event", ["add_intent", "add_job"])
def test_a_journal_cut_after_the_202_still_reverts_exactly_the_added_photos(
    last_event: str,
) -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2)
    result, _ = killed_add(shop, last_event)
    g = shop.products()[0]["guid"]
    client = result.client
    ours = set(result.rows["name"])
    assert ours <= set(names(client, g))
    # What the cut-off journal holds: the POST's id, its photos' hashes, the gallery before.
    entries = decode_entries(read_journal(result.journal_path))  # type: ignore[arg-type]
    intent = entries[0]
    assert isinstance(intent, AddIntent)
    assert intent.post
    assert [p.sha256 for p in intent.photos] == list(result.rows["sha256"])
    assert not ours & set(intent.before)
    assert set(intent.before) <= set(names(client, g))
    assert AddIntent.decode(intent.encode()) == intent
    if last_event == "add_job":
        queued = entries[1]
        assert isinstance(queued, AddQueued)
        assert (queued.post, queued.job_id) == (intent.post, result.rows["job_id"].iloc[0])
    undone = sn.revert(result.journal_path, client=client)
    assert undone.rows["status"].tolist() == ["deleted", "deleted"]
    assert set(undone.rows["name"]) == ours
    assert not ours & set(names(client, g))


def test_a_colleagues_identical_upload_is_left_alone_when_the_job_names_ours() -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2)
    result, data = killed_add(shop, "add_job")
    g = shop.products()[0]["guid"]
    colleague_posts(shop, g, data)
    assert duplicates(result.client) == 2
    undone = sn.revert(result.journal_path, client=result.client)
    assert set(undone.rows["name"]) == set(result.rows["name"])
    assert set(undone.rows["status"]) == {"deleted"}
    # The colleague's copies are still there, once each.
    assert duplicates(result.client) == 0
    assert sum(shop.stats()["photos_per_hash"].values()) == 2


@pytest.mark.parametrize(
    ("last_event", "unreadable_result", "why"),
    [
        # The job is known, but its result file cannot be read: by content, two photos new
        # since the add have each file, and nothing tells ours from the colleague's.
        ("add_job", 1.0, "someone else"),
        # The job id was never journaled, and two new insert jobs ran on the gallery.
        ("add_intent", 0.0, "several"),
    ],
)
def test_a_colleagues_identical_upload_that_cannot_be_told_apart_is_a_conflict(
    last_event: str, unreadable_result: float, why: str
) -> None:
    shop = SandboxShop(
        products=4, seed=2, insert_job_s=0.2, truncated_result_rate=unreadable_result
    )
    result, data = killed_add(shop, last_event)
    g = shop.products()[0]["guid"]
    colleague_posts(shop, g, data)
    before = names(result.client, g)
    undone = sn.revert(result.journal_path, client=result.client)
    assert undone.rows["status"].tolist() == ["conflict", "conflict"]
    assert why in undone.rows["message"].iloc[0]
    assert names(result.client, g) == before  # nothing deleted


class ProxyRefusesPosts(httpx.BaseTransport):
    """Something in front of the shop answers every POST of photos 503: none reaches it."""

    def __init__(self, shop: SandboxShop) -> None:
        self.inner = shop.transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "/images/" in request.url.path:
            return httpx.Response(503, content=b"<html>busy</html>", request=request)
        return self.inner.handle_request(request)


@pytest.mark.parametrize(
    ("colleague_file", "why"),
    [
        # No insert job appeared on the gallery.
        (None, "never reached the shop"),
        # The journal has no job id, and the one new insert job on the gallery is a
        # colleague's, with another file: it is not ours, and nothing of it is deleted.
        (b"\x89PNG\r\n\x1a\n" + bytes(range(64)) * 4, "someone else's"),
    ],
)
def test_a_post_that_never_reached_the_shop_deletes_nothing(
    colleague_file: bytes | None, why: str
) -> None:
    shop = SandboxShop(products=4, seed=2, insert_job_s=0.2)
    client = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=ProxyRefusesPosts(shop))
    client.sandbox = shop
    g = shop.products()[0]["guid"]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 1, tag="never")))
    assert result.rows["status"].tolist() == ["failed"]
    assert result.journal_path is not None
    cut_after(result.journal_path, "add_intent")  # killed while the POST was out
    if colleague_file is not None:
        colleague_posts(shop, g, [colleague_file])
    before = names(client, g)
    undone = sn.revert(result.journal_path, client=client)
    assert undone.rows["status"].tolist() == ["not_found"]
    assert why in undone.rows["message"].iloc[0]
    assert names(client, g) == before


# --- 4: counts -----------------------------------------------------------------------------


def test_counts_list_the_statuses_the_result_can_hold() -> None:
    client = sn.sandbox(seed=7, products=3, insert_job_s=0.2)
    g = guids(client, 1)[0]
    result = sn.add_images(client, pd.DataFrame(photos(client, g, 1)))
    assert tuple(result.counts) == ADD_STATUSES
    assert "deleted" not in result.counts
    undone = sn.revert(result)
    assert tuple(undone.counts) == REVERT_STATUSES
    assert undone.counts["deleted"] == 1
    assert "would_add" not in undone.counts
    assert read_journal(result.journal_path)  # type: ignore[arg-type]
