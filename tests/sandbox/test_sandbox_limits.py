"""Per-token limits (3 in flight, leaky bucket), the write lock (423) and latency."""

from __future__ import annotations

import math
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from shoptet_nb.sandbox import SandboxShop

BASE = "http://sandbox.shoptet-nb.test"


def connect(shop: SandboxShop, token: str = "token-a") -> httpx.Client:
    headers = {"Shoptet-Private-API-Token": token, "Content-Type": "application/json"}
    return httpx.Client(transport=shop.transport(), base_url=BASE, headers=headers)


def in_parallel(calls: list[Any], stagger_s: float = 0.0) -> list[Any]:
    """Run the calls in threads that start together; results in call order."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(k: int) -> None:
        barrier.wait()
        time.sleep(stagger_s * k)
        results[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_fourth_concurrent_request_of_a_token_gets_429() -> None:
    shop = SandboxShop(products=5, latency_ms=500)
    clients = [connect(shop) for _ in range(4)]
    other = connect(shop, "token-b")
    started = time.perf_counter()

    def timed(client: httpx.Client) -> tuple[httpx.Response, float]:
        response = client.get("/api/eshop")
        return response, time.perf_counter() - started

    results = in_parallel([lambda c=c: timed(c) for c in clients] + [lambda: timed(other)])
    responses = [r for r, _ in results]
    assert sorted(r.status_code for r in responses[:4]) == [200, 200, 200, 429]
    assert responses[4].status_code == 200  # another token has its own limit
    refused_at = next(t for r, t in results if r.status_code == 429)
    served_at = min(t for r, t in results if r.status_code == 200)
    assert refused_at < served_at  # refused at once, not after the latency
    assert "Retry-After" in next(r for r in responses if r.status_code == 429).headers
    stats = shop.stats()
    assert sorted(stats["max_concurrency"].values()) == [1, 4]
    assert stats["limited"] == {"concurrency": 1}


def test_three_concurrent_requests_are_fine() -> None:
    shop = SandboxShop(products=5, latency_ms=200)
    clients = [connect(shop) for _ in range(3)]
    responses = in_parallel([lambda c=c: c.get("/api/eshop") for c in clients])
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert list(shop.stats()["max_concurrency"].values()) == [3]


def test_concurrency_limit_off() -> None:
    shop = SandboxShop(products=5, latency_ms=200, limits=False)
    clients = [connect(shop) for _ in range(5)]
    responses = in_parallel([lambda c=c: c.get("/api/eshop") for c in clients])
    assert {r.status_code for r in responses} == {200}
    assert list(shop.stats()["max_concurrency"].values()) == [5]


def test_bucket_fills_then_429_with_http_date() -> None:
    shop = SandboxShop(products=5, bucket_capacity=5, leak_per_s=0.25)
    api = connect(shop)
    fillings = [api.get("/api/eshop").headers["X-RateLimit-Bucket-Filling"] for _ in range(5)]
    assert fillings == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    refused = api.get("/api/eshop")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["errorCode"] == "too-many-requests"
    assert refused.headers["X-RateLimit-Bucket-Filling"] == "5/5"
    retry_after = refused.headers["Retry-After"]
    assert retry_after.endswith(" GMT")
    assert not retry_after.strip().isdigit()
    when = parsedate_to_datetime(retry_after).timestamp()
    # About (5 - 4) / 0.25 = 4 s away, rounded up to a whole second.
    assert time.time() + 2 < when <= math.ceil(time.time() + 4.0) + 1
    assert shop.stats()["limited"] == {"bucket": 1}
    assert shop.stats()["responses"] == {"200": 5, "429": 1}


def test_bucket_leaks() -> None:
    shop = SandboxShop(products=5, bucket_capacity=3, leak_per_s=20)
    api = connect(shop)
    for _ in range(3):
        api.get("/api/eshop")
    time.sleep(0.15)  # 3 drops leak away
    response = api.get("/api/eshop")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Bucket-Filling"] in ("1/3", "2/3")


def test_cost_counts_images_read_and_written() -> None:
    shop = SandboxShop(products=10, leak_per_s=0.001)
    api = connect(shop)
    guid = next(str(p["guid"]) for p in shop.products() if len(shop.images(str(p["guid"]))) > 100)
    count = len(shop.images(guid))
    api.get(f"/api/products/{guid}/images/shop")
    assert api.get("/api/eshop").headers["X-RateLimit-Bucket-Filling"] == f"{2 + count // 10}/200"
    names = [i["name"] for i in shop.images(guid)][:25]
    body = {"data": {"images": [{"name": n} for n in names]}}
    response = api.patch(f"/api/products/{guid}/images/shop", json=body)
    # 1 + 2 per 25 written images (the response lists the whole gallery but that is not charged).
    assert response.headers["X-RateLimit-Bucket-Filling"] == f"{2 + count // 10 + 3}/200"


def test_cost_is_configurable() -> None:
    shop = SandboxShop(products=5, cost_base=4, leak_per_s=0.001)
    assert connect(shop).get("/api/eshop").headers["X-RateLimit-Bucket-Filling"] == "4/200"


def test_bucket_header_on_every_response() -> None:
    shop = SandboxShop(products=5, bucket_capacity=5, leak_per_s=0.001)
    api = connect(shop)
    guid = str(shop.products()[0]["guid"])
    responses = [
        api.get("/api/eshop"),
        api.get("/api/products/nope"),
        api.patch(f"/api/products/{guid}/images/shop", json={}),
        api.get("/api/products", params={"itemsPerPage": 0}),
        api.get("/api/eshop"),
        api.get("/api/eshop"),  # 429
        httpx.Client(transport=shop.transport(), base_url=BASE).get("/api/eshop"),  # 401
    ]
    assert [r.status_code for r in responses] == [200, 404, 422, 400, 200, 429, 401]
    for response in responses:
        assert response.headers["X-RateLimit-Bucket-Filling"].endswith("/5")


def test_latency_is_slept() -> None:
    shop = SandboxShop(products=5, latency_ms=150)
    api = connect(shop)
    started = time.perf_counter()
    api.get("/api/eshop")
    assert time.perf_counter() - started >= 0.15
    shop.set_options(latency_ms=0)
    started = time.perf_counter()
    api.get("/api/eshop")
    assert time.perf_counter() - started < 0.1


def _gallery(shop: SandboxShop) -> tuple[str, str]:
    guid = next(str(p["guid"]) for p in shop.products() if shop.images(str(p["guid"])))
    return guid, shop.images(guid)[0]["name"]


def test_identical_write_in_flight_gets_423() -> None:
    shop = SandboxShop(products=5, latency_ms=500)
    guid, name = _gallery(shop)
    one, two = connect(shop), connect(shop)
    body = {"data": {"images": [{"name": name, "priority": 77}]}}
    url = f"/api/products/{guid}/images/shop"
    responses = in_parallel(
        [lambda: one.patch(url, json=body), lambda: two.patch(url, json=body)], stagger_s=0.1
    )
    assert [r.status_code for r in responses] == [200, 423]
    assert responses[1].json()["data"] is None
    assert shop.stats()["writes"] == {f"{guid}/shop/{name}": 1}
    # Once the first finished, the same write goes through.
    assert one.patch(url, json=body).status_code == 200


@pytest.mark.parametrize(
    ("write_lock", "statuses"),
    [
        ("identical", [200, 200]),  # the default: different bodies to one URL are not locked
        ("url", [200, 423]),  # switched to a lock on the whole URL
    ],
)
def test_different_writes_to_one_url(write_lock: str, statuses: list[int]) -> None:
    shop = SandboxShop(products=5, latency_ms=500, write_lock=write_lock)
    guid, name = _gallery(shop)
    one, two = connect(shop), connect(shop)
    url = f"/api/products/{guid}/images/shop"
    first = {"data": {"images": [{"name": name, "priority": 77}]}}
    second = {"data": {"images": [{"name": name, "priority": 78}]}}
    responses = in_parallel(
        [lambda: one.patch(url, json=first), lambda: two.patch(url, json=second)], stagger_s=0.1
    )
    assert [r.status_code for r in responses] == statuses
