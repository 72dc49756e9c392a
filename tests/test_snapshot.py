"""Whole-shop reads through Shoptet's product snapshot (issue 10), client side.

The first half drives the client against a hand-written fake of Shoptet's job endpoints
(``httpx.MockTransport``, a fake clock: no real waiting); the second half reads the sandbox.
"""

from __future__ import annotations

import gzip
import json
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb import errors
from shoptet_nb.client import ShoptetClient
from shoptet_nb.config import Secret, Settings
from shoptet_nb.jobs import DETAIL_REQUEST_LIMIT, Job, gunzip_lines
from shoptet_nb.read import SNAPSHOT_FROM_GALLERIES, SnapshotRefusedWarning, whole_galleries
from shoptet_nb.sandbox import SANDBOX_BASE_URL

TOKEN = "123456-p-100-0123456789abcdef0123456789abcdef"
API = "https://api.example.test"
FILE_URL = "https://files.example.test/api-results/job1-x.jsonl.gz?sg=secret-signature"
JOB = "job1"
NOW = "2026-11-30T12:00:00+0100"
LATER = "2099-01-01T00:00:00+0100"


def image(
    name: str, gallery: str = "shop", priority: int | None = 1, **extra: Any
) -> dict[str, Any]:
    record = {
        "name": name,
        "seoName": name,
        "cdnName": name + "?sg=1",
        "signedCdnNames": None,
        "priority": priority,
        "description": f"caption of {name}",
        "changeTime": NOW,
        "isMainImage": gallery == "shop" and priority == 1,
        "gallery": gallery,
    }
    record.update(extra)
    return record


def product(guid: str, images: list[dict[str, Any]], name: str | None = None) -> dict[str, Any]:
    return {"guid": guid, "name": name or f"Product {guid}", "images": images}


def jsonl_gz(products: Sequence[dict[str, Any]]) -> bytes:
    return gzip.compress("".join(json.dumps(p) + "\n" for p in products).encode())


def envelope(data: Any, errors_: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"data": data, "errors": errors_, "metadata": {"requestId": "req-1"}}


@dataclass
class FakeShoptet:
    """Shoptet's snapshot, job list, job detail and a result file on the shop's domain."""

    products: list[dict[str, Any]] = field(default_factory=list)
    #: the status the job list shows at each poll (the last one repeats)
    statuses: list[str] = field(default_factory=lambda: ["pending", "running", "completed"])
    final_status: str | None = None  # what the detail says (default: the list's status)
    file: bytes | None = None  # default: the products, gzipped
    file_status: int = 200
    valid_until: str = LATER
    log: str | None = None
    snapshot_status: int = 202
    listed: bool = True  # False: the job list never shows the job
    hidden_at: tuple[int, ...] = ()  # list polls (1-based) that do not show the job
    list_faults: list[int] = field(default_factory=list)  # statuses for the first list polls
    requests: list[httpx.Request] = field(default_factory=list)
    polls: int = 0

    def status_now(self) -> str:
        return self.statuses[min(max(self.polls - 1, 0), len(self.statuses) - 1)]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.url.host == "files.example.test":
            if self.file_status != 200:
                return httpx.Response(self.file_status, content=b"gone")
            body = self.file if self.file is not None else jsonl_gz(self.products)
            return httpx.Response(200, stream=httpx.ByteStream(body))  # streamed, as on a network
        if path == "/api/products/snapshot":
            if self.snapshot_status != 202:
                item = {"errorCode": "webhook-not-registered", "message": "no job:finished"}
                return httpx.Response(self.snapshot_status, json=envelope(None, [item]))
            return httpx.Response(202, json=envelope({"jobId": JOB}))
        if path == "/api/system/jobs":
            if self.list_faults:
                return httpx.Response(self.list_faults.pop(0), json=envelope(None))
            self.polls += 1
            shown = self.listed and self.polls not in self.hidden_at
            jobs = [self._job(self.status_now(), detail=False)] if shown else []
            paginator = {"totalCount": len(jobs), "page": 1, "pageCount": 1}
            return httpx.Response(200, json=envelope({"jobs": jobs, "paginator": paginator}))
        if path == f"/api/system/jobs/{JOB}":
            status = self.status_now() if self.listed else self.statuses[-1]
            if status == "completed" and self.final_status:
                status = self.final_status
            return httpx.Response(200, json=envelope({"job": self._job(status, detail=True)}))
        if path == "/api/eshop":
            cuts = [{"name": "detail", "urlPath": "https://shop.example.test/detail/"}]
            return httpx.Response(200, json=envelope({"imageCuts": cuts}))
        if path == "/api/webhooks":
            body = json.loads(request.content)["data"][0]
            return httpx.Response(201, json=envelope({"webhooks": [{"id": 1, **body}]}))
        return httpx.Response(404, json=envelope(None, [{"errorCode": "not-found"}]))

    def _job(self, status: str, *, detail: bool) -> dict[str, Any]:
        job: dict[str, Any] = {
            "jobId": JOB,
            "endpoint": "/api/products/snapshot",
            "creationTime": NOW,
            "completionTime": NOW if status == "completed" else None,
            "status": status,
            "validUntil": self.valid_until if status == "completed" else None,
        }
        if detail:
            job.update(
                duration="1.000",
                resultUrl=FILE_URL if status == "completed" else None,
                log=self.log,
            )
        return job


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def fake_client(shop: FakeShoptet, **settings: Any) -> tuple[ShoptetClient, FakeClock]:
    clock = FakeClock()
    client = ShoptetClient(
        Secret(TOKEN),
        "Shoptet-Private-API-Token",
        Settings(base_url=API, **settings),
        transport=httpx.MockTransport(shop.handler),
        sleep=clock.sleep,
        clock=clock,
    )
    return client, clock


def catalogue() -> list[dict[str, Any]]:
    return [
        product(
            "b-guid", [image("b1.jpg"), image("b2.jpg", priority=2), image("b3.jpg", "shop360")]
        ),
        product("a-guid", [image("a1.jpg")]),
        product("c-guid", []),
    ]


# -- gzip JSON Lines -------------------------------------------------------------------------


def chunks_of(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_lines_survive_any_chunking_and_several_gzip_members(size: int) -> None:
    data = gzip.compress(b'{"a": 1}\n{"b": 2}\n') + gzip.compress(b'{"c": 3}\n\n{"d": 4}')
    assert list(gunzip_lines(chunks_of(data, size), JOB)) == [
        b'{"a": 1}',
        b'{"b": 2}',
        b'{"c": 3}',
        b'{"d": 4}',
    ]


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda d: d[: len(d) // 2], "truncated"),
        (lambda d: d[:-3], "truncated"),  # only the trailer's last bytes missing
        (lambda d: d[:10] + bytes(b ^ 0xFF for b in d[10:20]) + d[20:], "decompress"),
        (lambda d: d[:-8] + b"\x00" * 8, "decompress"),  # a wrong CRC
        (lambda d: b'{"guid": "x"}\n', "not gzip"),
        (lambda d: b"", "truncated"),
    ],
)
def test_a_damaged_file_is_an_error_never_a_short_read(
    damage: Callable[[bytes], bytes], why: str
) -> None:
    data = gzip.compress(b"".join(b'{"n": %d}\n' % i for i in range(2000)))
    with pytest.raises(errors.JobResultError, match=why) as caught:
        list(gunzip_lines(chunks_of(damage(data), 512), JOB))
    assert caught.value.job_id == JOB
    assert f"job_id={JOB!r}" in str(caught.value)


# -- waiting ---------------------------------------------------------------------------------


def test_wait_polls_the_list_with_growing_pauses_and_reads_the_detail_once() -> None:
    shop = FakeShoptet(statuses=["pending", "running", "running", "running", "completed"])
    client, clock = fake_client(shop)
    seen: list[str] = []
    job = client.wait_for_job(client.start_snapshot(), on_status=seen.append)
    assert job.status == "completed"
    assert job.result_url == FILE_URL
    assert shop.count("/api/system/jobs") == 5
    assert shop.count(f"/api/system/jobs/{JOB}") == 1
    assert clock.slept == sorted(clock.slept)
    assert clock.slept[-1] > clock.slept[0]
    assert seen == ["pending", "running", "completed"]
    list_query = next(r for r in shop.requests if r.url.path == "/api/system/jobs").url.params
    assert "creationTimeFrom" in list_query  # the list is narrowed to recent jobs
    assert "sg=secret-signature" not in repr(job)  # the one-off link stays out of reprs


def test_a_job_missing_from_the_list_costs_at_most_two_details_per_wait() -> None:
    """A job the list cannot show (e.g. older than its window) is looked up by its detail, but
    an unfinished job has only 10 detail reads at Shoptet: a long wait spends at most two, so
    that waits resumed later still have reads left for the result."""
    shop = FakeShoptet(statuses=["running"], listed=False)
    client, _ = fake_client(shop)
    with pytest.raises(errors.JobTimeoutError):
        client.wait_for_job(client.start_snapshot(), timeout=3600)
    assert 1 <= shop.count(f"/api/system/jobs/{JOB}") <= 2
    assert shop.count("/api/system/jobs") > 10  # the list is still polled all along


def test_a_job_the_list_misses_now_and_then_costs_no_detail_until_it_finishes() -> None:
    """Only two misses in a row mean the list cannot show the job; a single one is a lag."""
    shop = FakeShoptet(statuses=["running"] * 7 + ["completed"], hidden_at=(1, 3, 5, 7))
    client, _ = fake_client(shop)
    assert client.wait_for_job(client.start_snapshot()).status == "completed"
    assert shop.count(f"/api/system/jobs/{JOB}") == 1  # the final read, for the result


def test_a_job_missing_from_the_list_is_found_by_its_detail() -> None:
    shop = FakeShoptet(statuses=["completed"], listed=False)
    client, _ = fake_client(shop)
    assert client.wait_for_job(client.start_snapshot()).status == "completed"
    assert shop.count(f"/api/system/jobs/{JOB}") <= 2


def test_timeout_names_the_job_and_how_to_resume() -> None:
    shop = FakeShoptet(statuses=["running"])
    client, clock = fake_client(shop)
    with pytest.raises(errors.JobTimeoutError) as caught:
        sn.read_images(client, method="snapshot", timeout=60, progress=False)
    message = str(caught.value)
    assert caught.value.job_id == JOB
    assert caught.value.status == "running"
    assert f"read_images(client, job_id={JOB!r})" in message
    assert clock.now == pytest.approx(60)
    assert shop.count(f"/api/system/jobs/{JOB}") == 0  # the list said running: no detail


@pytest.mark.parametrize("status", ["failed", "killed", "expired"])
def test_a_job_that_did_not_complete_names_itself_and_its_log(status: str) -> None:
    shop = FakeShoptet(statuses=["running", status], log="Out of memory at product 4711")
    client, _ = fake_client(shop)
    with pytest.raises(errors.JobFailedError) as caught:
        sn.read_images(client, progress=False)
    assert caught.value.job_id == JOB
    assert caught.value.status == status
    assert "Out of memory at product 4711" in str(caught.value)
    assert JOB in str(caught.value)
    assert "start a new read" in str(caught.value)


def test_polls_that_meet_429_and_503_are_paced_and_retried() -> None:
    shop = FakeShoptet(products=catalogue(), list_faults=[429, 503])
    client, clock = fake_client(shop)
    images = sn.read_images(client, progress=False)
    assert len(images) == 3
    assert shop.count("/api/system/jobs") == 2 + 3  # two faults, then the three polls
    assert len(clock.slept) >= 5  # the two backoffs besides the poll pauses


# -- the result file -------------------------------------------------------------------------


def test_the_result_file_never_gets_the_token() -> None:
    shop = FakeShoptet(products=catalogue())
    client, _ = fake_client(shop)
    sn.read_images(client, progress=False)
    files = [r for r in shop.requests if r.url.host == "files.example.test"]
    api = [r for r in shop.requests if r.url.host == "api.example.test"]
    assert len(files) == 1
    assert api
    assert all("Shoptet-Private-API-Token" not in r.headers for r in files)
    assert all(r.headers["Shoptet-Private-API-Token"] == TOKEN for r in api)


def test_a_file_on_the_api_host_still_gets_no_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=gzip.compress(b"{}\n"))

    client, _ = fake_client(FakeShoptet())
    client._http._transport = httpx.MockTransport(handler)
    assert b"".join(client.stream_file(API + "/api-results/x.gz")) == gzip.compress(b"{}\n")
    assert "Shoptet-Private-API-Token" not in seen[0].headers


def test_a_result_past_valid_until_asks_to_start_again() -> None:
    shop = FakeShoptet(statuses=["completed"], valid_until="2020-01-01T00:00:00+0100")
    client, _ = fake_client(shop)
    with pytest.raises(errors.JobResultError, match="start a new read") as caught:
        sn.read_images(client, job_id=JOB, progress=False)
    assert caught.value.job_id == JOB
    assert not [r for r in shop.requests if r.url.host == "files.example.test"]


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_result_file_that_is_gone_asks_to_start_again(status: int) -> None:
    shop = FakeShoptet(products=catalogue(), file_status=status)
    client, _ = fake_client(shop)
    with pytest.raises(errors.JobResultError, match=r"gone.*start a new read"):
        sn.read_images(client, progress=False)


def test_a_truncated_result_raises_instead_of_a_short_frame() -> None:
    whole = jsonl_gz(catalogue() * 50)
    shop = FakeShoptet(products=catalogue(), file=whole[: len(whole) - 40])
    client, _ = fake_client(shop)
    with pytest.raises(errors.JobResultError, match="truncated"):
        sn.read_images(client, progress=False)


def test_a_line_that_breaks_the_schema_is_a_read_error_and_the_rest_is_read() -> None:
    lines = [
        *catalogue(),
        product("bad-priority", [image("x.jpg", priority="first")]),  # type: ignore[arg-type]
        product("bad-gallery", [image("y.jpg", gallery="shop3d")]),
        {"guid": "no-images", "name": "No images"},
        {"name": "no guid", "images": []},
    ]
    data = gzip.compress(
        ("".join(json.dumps(p) + "\n" for p in lines) + '{"guid": "cut-off", "na\n').encode()
    )
    shop = FakeShoptet(file=data)
    client, _ = fake_client(shop)
    with pytest.warns(UserWarning, match="5 gallery read"):
        images = sn.read_images(client, progress=False)
    assert sorted(set(images["guid"])) == ["a-guid", "b-guid"]
    failed = sn.read_errors(images)
    assert list(failed["guid"].fillna("-")) == [
        "bad-priority",
        "bad-gallery",
        "no-images",
        "-",
        "cut-off",
    ]
    assert set(failed["error_code"]) == {"invalid-snapshot-line"}
    assert failed["message"].str.contains(f"snapshot job {JOB}").all()
    assert "priority 'first'" in failed["message"].iloc[0]


def test_rows_come_in_guid_order_with_each_gallery_in_api_order() -> None:
    shop = FakeShoptet(products=catalogue())
    client, _ = fake_client(shop)
    both = sn.read_images(client, gallery="all", progress=False)
    assert list(zip(both["guid"], both["name"], strict=False)) == [
        ("a-guid", "a1.jpg"),
        ("b-guid", "b1.jpg"),
        ("b-guid", "b2.jpg"),
        ("b-guid", "b3.jpg"),
    ]
    assert list(both["gallery"]) == ["shop", "shop", "shop", "shop360"]
    assert both["url"].iloc[0] == "https://shop.example.test/detail/a1.jpg"
    assert both.attrs["read"]["method"] == "snapshot"
    assert both.attrs["read"]["job_id"] == JOB


def test_a_listed_product_missing_from_the_snapshot_is_not_found() -> None:
    shop = FakeShoptet(products=catalogue())
    client, _ = fake_client(shop)
    with pytest.warns(UserWarning, match="1 gallery read"):
        images = sn.read_images(client, ["a-guid", "zz-guid"], method="snapshot", progress=False)
    assert set(images["guid"]) == {"a-guid"}
    assert list(sn.read_errors(images)["error_code"]) == ["product-not-found"]
    snapshot = next(r for r in shop.requests if r.url.path == "/api/products/snapshot")
    assert snapshot.url.params["productGuids"] == "a-guid,zz-guid"
    assert snapshot.url.params["include"] == "images"


def test_changed_since_is_sent_and_never_combined_with_product_guids() -> None:
    shop = FakeShoptet(products=catalogue())
    client, _ = fake_client(shop)
    images = sn.read_images(
        client, ["b-guid"], method="snapshot", changed_since=NOW, progress=False
    )
    assert set(images["guid"]) == {"b-guid"}  # kept locally
    snapshot = next(r for r in shop.requests if r.url.path == "/api/products/snapshot")
    assert snapshot.url.params["changeTimeFrom"] == NOW
    assert "productGuids" not in snapshot.url.params  # Shoptet would ignore changeTimeFrom


# -- resuming, refusals, choosing the method -------------------------------------------------


def test_job_id_reads_a_finished_job_with_one_detail_request() -> None:
    shop = FakeShoptet(products=catalogue(), statuses=["completed"])
    client, _ = fake_client(shop)
    images = sn.read_images(client, job_id=JOB, progress=False)
    assert len(images) == 3
    assert shop.count("/api/products/snapshot") == 0
    assert shop.count(f"/api/system/jobs/{JOB}") == 1
    assert shop.count("/api/system/jobs") == 1  # the list first: it spends no detail read


def test_job_id_of_a_running_job_waits_for_it() -> None:
    shop = FakeShoptet(products=catalogue(), statuses=["running", "running", "completed"])
    client, _ = fake_client(shop)
    assert len(sn.read_images(client, job_id=JOB, progress=False)) == 3
    assert shop.count(f"/api/system/jobs/{JOB}") == 1  # only the final read: the list polls


def test_an_unknown_job_id_says_to_start_again() -> None:
    client, _ = fake_client(FakeShoptet())
    with pytest.raises(errors.JobResultError, match=r"unknown.*start a new read"):
        sn.read_images(client, job_id="nope", progress=False)


def test_auto_falls_back_to_galleries_with_a_warning_when_snapshots_are_refused() -> None:
    shop = FakeShoptet(snapshot_status=403)
    calls: list[str] = []
    inner = shop.handler

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/products":
            calls.append("list")
            products = [{"guid": "a-guid", "name": "Product a-guid"}]
            paginator = {"pageCount": 1}
            return httpx.Response(
                200, json=envelope({"products": products, "paginator": paginator})
            )
        if request.url.path.endswith("/images/shop"):
            return httpx.Response(200, json=envelope({"images": [image("a1.jpg")]}))
        return inner(request)

    shop.handler = handler  # type: ignore[method-assign]
    client, _ = fake_client(shop)
    with pytest.warns(SnapshotRefusedWarning, match=r"register_job_webhook\(") as caught:
        images = sn.read_images(client, progress=False)
    assert "job:finished" in str(caught[0].message)
    assert list(images["name"]) == ["a1.jpg"]
    assert images.attrs["read"]["method"] == "galleries"
    with pytest.raises(errors.AuthenticationError):
        sn.read_images(client, method="snapshot", progress=False)
    assert shop.count("/api/webhooks") == 0  # never registered by itself


def test_auto_reads_a_few_products_by_gallery_and_many_by_snapshot() -> None:
    shop = FakeShoptet(products=catalogue())
    client, _ = fake_client(shop)
    many = [f"g-{i:04d}" for i in range(sn.read.SNAPSHOT_FROM_GALLERIES)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # they are not in the shop
        images = sn.read_images(client, ["a-guid", *many], progress=False)
    assert images.attrs["read"]["method"] == "snapshot"
    snapshot = next(r for r in shop.requests if r.url.path == "/api/products/snapshot")
    assert "productGuids" not in snapshot.url.params  # over 50: the whole shop, kept locally
    assert list(images["guid"].unique()) == ["a-guid"]


def test_register_job_webhook_only_when_called() -> None:
    shop = FakeShoptet()
    client, _ = fake_client(shop)
    created = client.register_job_webhook("https://example.com/hooks/jobs")
    assert created["event"] == "job:finished"
    sent = next(r for r in shop.requests if r.url.path == "/api/webhooks")
    assert sent.method == "POST"
    assert json.loads(sent.content) == {
        "data": [{"event": "job:finished", "url": "https://example.com/hooks/jobs"}]
    }
    with pytest.raises(errors.ArgumentError, match="http"):
        client.register_job_webhook("example.com")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "fast"}, "unknown method"),
        ({"job_id": JOB, "method": "galleries"}, "snapshot job"),
        ({"job_id": JOB, "changed_since": NOW}, "changed_since"),
        ({"job_id": " "}, "job_id"),
        ({"timeout": 0}, "timeout"),
        ({"gallery": "every"}, "all"),
    ],
)
def test_bad_arguments_fail_before_any_request(kwargs: dict[str, Any], match: str) -> None:
    shop = FakeShoptet()
    client, _ = fake_client(shop)
    with pytest.raises(errors.ArgumentError, match=match):
        sn.read_images(client, **kwargs)
    assert shop.requests == []


def test_snapshot_filters_are_checked_before_sending() -> None:
    shop = FakeShoptet()
    client, _ = fake_client(shop)
    with pytest.raises(errors.ArgumentError, match="1 to 50"):
        client.start_snapshot(product_guids=[f"g{i}" for i in range(51)])
    with pytest.raises(errors.ArgumentError, match="not both"):
        client.start_snapshot(product_guids=["a"], productCodes="X1")
    assert shop.requests == []


def test_job_records_parse_and_finish() -> None:
    job = Job.from_api({"jobId": "x", "status": "running"})
    assert not job.finished
    assert job.result_url is None
    assert Job("x", "killed").finished


# -- against the sandbox shop ----------------------------------------------------------------

DETAIL = "GET /api/system/jobs/{jobId}"


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 0.05 s instead of from 1 s up: the sandbox's jobs last a fraction of that."""
    monkeypatch.setattr("shoptet_nb.jobs.FIRST_POLL_S", 0.05)
    monkeypatch.setattr("shoptet_nb.jobs.MAX_POLL_S", 0.2)


def shop_client(**options: Any) -> ShoptetClient:
    settings = {"seed": 3, "products": 40, "snapshot_job_s": 0.2, **options}
    return sn.sandbox(**settings)  # type: ignore[no-any-return]


def requests_of(client: ShoptetClient, key: str) -> int:
    return int(client.sandbox.stats()["requests"].get(key, 0))


@pytest.mark.usefixtures("quick_polls")
@pytest.mark.parametrize(
    ("products", "gallery", "language"),
    [(None, "all", None), (None, "shop360", "sk"), ("every third", "shop", None)],
)
def test_both_paths_give_the_same_frame(
    products: str | None, gallery: str, language: str | None
) -> None:
    client = shop_client()
    chosen = None
    if products:
        chosen = [p["guid"] for p in client.sandbox.products()][::3]
        chosen.append("00000000-0000-4000-8000-000000000000")  # not in the shop
    kwargs: dict[str, Any] = {"gallery": gallery, "language": language, "progress": False}
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        by_snapshot = sn.read_images(client, chosen, method="snapshot", **kwargs)
        by_gallery = sn.read_images(client, chosen, method="galleries", **kwargs)
    assert by_snapshot.attrs["read"]["method"] == "snapshot"
    assert len(by_snapshot) > 0
    pd.testing.assert_frame_equal(by_snapshot, by_gallery)
    pd.testing.assert_frame_equal(sn.read_errors(by_snapshot), sn.read_errors(by_gallery))
    # Both know their galleries are whole, so the editor may reorder them without a read.
    assert whole_galleries(by_snapshot) == whole_galleries(by_gallery)
    assert len(whole_galleries(by_snapshot)) == len(by_snapshot.groupby(["guid", "gallery"]))


@pytest.mark.usefixtures("quick_polls")
def test_sandbox_snapshot_costs_a_handful_of_requests_and_never_sends_the_token() -> None:
    client = shop_client(snapshot_job_s=1.0)
    images = sn.read_images(client, gallery="all", progress=False)
    stats = client.sandbox.stats()
    assert stats["downloads"] == {"total": 1, "with_token": 0}
    assert requests_of(client, DETAIL) == 1
    assert requests_of(client, "GET /api/system/jobs") >= 2  # it did wait, on the list
    api = sum(n for key, n in stats["requests"].items() if " /api/" in key)
    assert api <= 15
    assert len(images) == sum(
        len(client.sandbox.images(p["guid"], g))
        for p in client.sandbox.products()
        for g in ("shop", "shop360")
    )


def test_loopback_download_never_carries_the_token(quick_polls: None) -> None:
    from shoptet_nb.sandbox import SandboxOptions, serve

    with serve(SandboxOptions(seed=3, products=15, snapshot_job_s=0.1)) as running:
        client = sn.connect("loopback-token", base_url=running.base_url, timeout=5.0)
        try:
            images = sn.read_images(client, progress=False)
        finally:
            client.close()
        assert images.attrs["read"]["method"] == "snapshot"
        assert running.shop.stats()["downloads"] == {"total": 1, "with_token": 0}


@pytest.mark.usefixtures("quick_polls")
def test_a_long_job_is_waited_for_on_the_list_with_at_most_one_detail_request() -> None:
    client = shop_client(snapshot_job_s=2.0)
    job = client.start_snapshot()
    done = client.wait_for_job(job)
    assert done.status == "completed"
    assert requests_of(client, "GET /api/system/jobs") >= 10  # many polls ...
    assert requests_of(client, DETAIL) == 1  # ... and one detail: Shoptet allows 10
    assert requests_of(client, DETAIL) <= DETAIL_REQUEST_LIMIT


@pytest.mark.usefixtures("quick_polls")
def test_sandbox_job_failure_and_truncated_result_are_errors() -> None:
    failing = shop_client(job_failure_rate=1.0)
    with pytest.raises(errors.JobFailedError) as caught:
        sn.read_images(failing, progress=False)
    assert caught.value.log
    assert caught.value.log in str(caught.value)
    assert caught.value.job_id in str(caught.value)
    cut = shop_client(truncated_result_rate=1.0)
    with pytest.raises(errors.JobResultError, match=r"truncated|decompress"):
        sn.read_images(cut, progress=False)


@pytest.mark.usefixtures("quick_polls")
def test_a_killed_job_is_an_error_naming_it() -> None:
    client = shop_client(snapshot_job_s=60)
    job = client.start_snapshot()
    assert client.sandbox.kill_job(job.job_id)
    with pytest.raises(errors.JobFailedError, match=f"{job.job_id}.*'killed'"):
        sn.read_images(client, job_id=job.job_id, progress=False)


@pytest.mark.usefixtures("quick_polls")
def test_a_kernel_restart_does_not_lose_the_job() -> None:
    first = shop_client(snapshot_job_s=0.5)
    job = first.start_snapshot()  # ... and the kernel dies here
    again = sn.connect(
        "sandbox-token", base_url=SANDBOX_BASE_URL, transport=first.sandbox.transport()
    )
    again.sandbox = first.sandbox
    resumed = sn.read_images(again, job_id=job.job_id, gallery="all", progress=False)
    pd.testing.assert_frame_equal(
        resumed, sn.read_images(again, gallery="all", method="galleries", progress=False)
    )
    assert requests_of(first, "GET /api/products/snapshot") == 1  # no second job


def test_an_interrupt_while_waiting_names_the_job_to_resume(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = shop_client(snapshot_job_s=30.0)
    waited = ShoptetClient.wait_for_job

    def interrupted(*args: Any, **kwargs: Any) -> Job:
        raise KeyboardInterrupt  # what Jupyter's "Interrupt kernel" does mid-wait

    monkeypatch.setattr(client, "wait_for_job", interrupted)
    with pytest.raises(sn.Interrupted, match=r"job_id=") as caught:
        sn.read_images(client, gallery="all", method="snapshot", progress=False)
    assert caught.value.result is not None
    assert caught.value.result.empty
    found = re.search(r"job_id='([^']+)'", str(caught.value))
    assert found, str(caught.value)
    # The message's job id is the one to resume: the job ran on, no second job is started.
    monkeypatch.setattr(client, "wait_for_job", waited.__get__(client))
    client.sandbox.advance_clock(31.0)
    resumed = sn.read_images(client, job_id=found.group(1), gallery="all", progress=False)
    pd.testing.assert_frame_equal(
        resumed, sn.read_images(client, gallery="all", method="galleries", progress=False)
    )
    assert requests_of(client, "GET /api/products/snapshot") == 1


@pytest.mark.usefixtures("quick_polls")
def test_a_timeout_then_a_resume_reads_the_same_job() -> None:
    client = shop_client(snapshot_job_s=30)
    with pytest.raises(errors.JobTimeoutError) as caught:
        sn.read_images(client, timeout=0.3, progress=False)
    client.sandbox.advance_clock(30)
    images = sn.read_images(client, job_id=caught.value.job_id, progress=False)
    assert len(images) > 0
    assert requests_of(client, "GET /api/products/snapshot") == 1


@pytest.mark.usefixtures("quick_polls")
def test_an_expired_result_asks_to_start_again() -> None:
    client = shop_client()
    job = client.wait_for_job(client.start_snapshot())
    client.sandbox.advance_clock(2 * 86400)
    with pytest.raises(errors.JobError, match="start a new read"):
        sn.read_images(client, job_id=job.job_id, progress=False)


@pytest.mark.usefixtures("quick_polls")
def test_no_webhook_falls_back_then_registering_one_enables_snapshots() -> None:
    client = shop_client(job_webhook=False)
    with pytest.warns(SnapshotRefusedWarning, match="register_job_webhook"):
        images = sn.read_images(client, progress=False)
    assert images.attrs["read"]["method"] == "galleries"
    assert requests_of(client, "POST /api/webhooks") == 0  # nothing registered behind our back
    client.register_job_webhook("https://example.com/shoptet/jobs")
    again = sn.read_images(client, progress=False)
    assert again.attrs["read"]["method"] == "snapshot"
    pd.testing.assert_frame_equal(images, again)


@pytest.mark.usefixtures("quick_polls")
def test_a_resumed_job_keeps_the_language_it_was_read_in() -> None:
    client = shop_client()
    job = client.start_snapshot(language="sk")
    resumed = sn.read_images(client, job_id=job.job_id, progress=False)
    fresh = sn.read_images(client, language="sk", method="galleries", progress=False)
    pd.testing.assert_frame_equal(resumed, fresh)
    assert set(resumed["language"]) == {"sk"}
    with pytest.raises(errors.ArgumentError, match="'sk', not 'en'"):
        sn.read_images(client, job_id=job.job_id, language="en", progress=False)


@pytest.mark.usefixtures("quick_polls")
def test_changed_since_reads_the_same_products_both_ways() -> None:
    from datetime import datetime, timezone

    client = shop_client()
    since = datetime.now(timezone.utc)
    client.sandbox.advance_clock(60)  # the edit below is stamped a minute later
    guid = next(p["guid"] for p in client.sandbox.products() if client.sandbox.images(p["guid"]))
    name = client.sandbox.images(guid)[0]["name"]
    client.sandbox.set_image(guid, "shop", name, description="Changed in the admin")
    by_snapshot = sn.read_images(client, changed_since=since, method="snapshot", progress=False)
    by_gallery = sn.read_images(client, changed_since=since, method="galleries", progress=False)
    pd.testing.assert_frame_equal(by_snapshot, by_gallery)
    assert set(by_snapshot["guid"]) == {guid}


def test_job_id_of_a_failed_job_costs_one_detail_request() -> None:
    shop = FakeShoptet(statuses=["failed"], log="Database timeout")
    client, _ = fake_client(shop)
    with pytest.raises(errors.JobFailedError, match="Database timeout"):
        sn.read_images(client, job_id=JOB, progress=False)
    assert shop.count(f"/api/system/jobs/{JOB}") == 1
    assert shop.count("/api/system/jobs") == 1  # the list first: it spends no detail read


def test_a_plan_reads_fresh_galleries_never_a_snapshot() -> None:
    """However many products a plan reads, it reads them now, gallery by gallery: a snapshot
    would show the shop as it was when its job ran, and cost apply a second read."""
    client = shop_client(products=SNAPSHOT_FROM_GALLERIES + 10, limits=False)
    guids = [p["guid"] for p in client.sandbox.products()][: SNAPSHOT_FROM_GALLERIES + 1]
    images = sn.read_images(client, guids, method="galleries", progress=False)
    target = images.iloc[0]
    edits = pd.DataFrame(
        [{"guid": target["guid"], "name": target["name"], "description": "new caption"}]
        + [{"guid": g, "name": "no-such-photo.jpg", "description": "x"} for g in guids[1:]]
    )
    plan = sn.plan_updates(client, edits, progress=False)
    assert requests_of(client, "GET /api/products/snapshot") == 0
    assert (target["guid"], target["gallery"], "") in plan.fresh_keys
    result = sn.apply(plan, journal=False, progress=False)
    assert result.counts["updated"] == 1


# -- resumes and redirects at the edges (issue "Trust holes") -----------------------------------

DETAIL = "GET /api/system/jobs/{jobId}"


@pytest.mark.usefixtures("quick_polls")
def test_resuming_an_unfinished_job_many_times_never_spends_the_detail_reads() -> None:
    client = shop_client(snapshot_job_s=600)
    job = client.start_snapshot()
    for _ in range(DETAIL_REQUEST_LIMIT + 3):
        with pytest.raises(errors.JobTimeoutError, match=job.job_id):
            sn.read_images(client, job_id=job.job_id, timeout=0.05, progress=False)
    assert client.sandbox.stats()["requests"].get(DETAIL, 0) == 0
    client.sandbox.advance_clock(600)
    images = sn.read_images(client, job_id=job.job_id, progress=False)
    assert len(images) > 0
    assert client.sandbox.stats()["requests"].get(DETAIL, 0) == 1


def test_the_detail_limit_is_a_job_error_that_says_to_wait() -> None:
    client = shop_client(snapshot_job_s=600)
    job = client.start_snapshot()
    for _ in range(DETAIL_REQUEST_LIMIT):
        client.job(job.job_id)
    with pytest.raises(errors.JobError, match=r"(?i)wait.*finish") as caught:
        client.job(job.job_id)
    assert not isinstance(caught.value, errors.AuthenticationError)
    assert caught.value.job_id == job.job_id


@pytest.mark.usefixtures("quick_polls")
@pytest.mark.parametrize("hops", [1, 3])
def test_a_redirected_result_file_is_followed_without_the_token(hops: int) -> None:
    client = shop_client(result_redirects=hops)
    images = sn.read_images(client, gallery="all", method="snapshot", progress=False)
    expected = sn.read_images(client, gallery="all", method="galleries", progress=False)
    assert len(images) == len(expected) > 0
    stats = client.sandbox.stats()
    assert stats["downloads"] == {"total": 1, "with_token": 0}
    assert stats["requests"].get("GET /api-results/{file}", 0) == hops + 1


@pytest.mark.usefixtures("quick_polls")
def test_a_result_file_that_redirects_in_a_loop_is_a_clear_error() -> None:
    client = shop_client(result_redirects=1000)
    with pytest.raises(errors.NetworkError, match=r"redirects more than 10 times") as caught:
        sn.read_images(client, gallery="all", method="snapshot", progress=False)
    assert "truncated" not in str(caught.value)
    assert client.sandbox.stats()["downloads"]["with_token"] == 0
