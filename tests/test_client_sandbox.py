"""The client against the sandbox shop: in-process and over loopback, limits and faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox import SandboxOptions, serve

from helpers import IMAGES, calls, products_with_images


@pytest.fixture
def loopback() -> Iterator[sn.ShoptetClient]:
    with serve(SandboxOptions(seed=4, products=25, latency_ms=20)) as running:
        client = sn.connect("loopback-token", base_url=running.base_url, timeout=5.0)
        client.sandbox = running.shop
        try:
            yield client
        finally:
            client.close()


def test_every_operation_in_process() -> None:
    client = sn.sandbox(seed=4, products=25)
    products = client.list_products()
    assert len(products) == 25
    guid = products_with_images(client, 1)[0]
    detail = client.get_product(guid, include_images=True)
    assert detail["guid"] == guid
    images = client.list_images(guid)
    assert [i["name"] for i in images] == [i["name"] for i in client.sandbox.images(guid, "shop")]
    code = next(v["code"] for v in detail.get("variants") or [] if v.get("code"))
    assert client.get_product_by_code(code)["guid"] == guid
    cuts = {c["name"] for c in client.image_cuts()}
    assert {"orig", "big", "detail", "category", "related"} <= cuts
    (envelope,) = client.update_images(
        guid, "shop", [{"name": images[0]["name"], "description": "Popisek"}]
    )
    assert envelope.errors == []
    assert client.list_images(guid)[0]["description"] == "Popisek"
    with pytest.raises(sn.NotFoundError, match="product-not-found"):
        client.list_images("00000000-0000-4000-8000-000000000000")
    with pytest.raises(sn.ValidationError) as info:
        client.update_images(guid, "shop", [{"name": images[0]["name"], "priority": 0}])
    assert info.value.status == 422


def test_loopback_reads_and_writes(loopback: sn.ShoptetClient) -> None:
    guids = products_with_images(loopback, 5)
    images = sn.read_images(loopback, guids, progress=False)
    assert set(images["guid"]) == set(guids)
    assert loopback.fetch_file(images["url"].iloc[0]).startswith(b"\x89PNG")
    edits = images.groupby("guid").head(1)[["guid", "name"]].assign(description="Přes síť")
    result = sn.update_images(loopback, edits, progress=False)
    assert set(result.rows["status"]) == {"updated"}
    stats = httpx.get(loopback.settings.base_url + "/_sandbox/stats").json()
    assert stats["requests"][f"PATCH {IMAGES}"] == len(guids)
    assert max(stats["max_concurrency"].values()) <= 3


def test_client_never_exceeds_three_in_flight_even_from_many_threads(
    loopback: sn.ShoptetClient,
) -> None:
    guids = [p["guid"] for p in loopback.list_products()]
    threads = [threading.Thread(target=loopback.list_images, args=(g,)) for g in guids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = loopback.sandbox.stats()
    assert max(stats["max_concurrency"].values()) == 3  # used fully, never exceeded
    assert stats["responses"].get("429", 0) == 0


def test_a_fourth_request_of_one_token_would_get_429() -> None:
    # Without the client's cap (raw httpx from 5 threads), the sandbox enforces the limit.
    with serve(SandboxOptions(seed=1, products=5, latency_ms=800)) as running:
        statuses: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(5)

        def hit() -> None:
            with httpx.Client(base_url=running.base_url) as http:
                start.wait()  # all five leave together, so they overlap on the server
                r = http.get(
                    "/api/products",
                    headers={
                        "Shoptet-Private-API-Token": "raw",
                        "Content-Type": "application/json",
                    },
                )
            with lock:
                statuses.append(r.status_code)

        threads = [threading.Thread(target=hit) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200, 200, 200, 429, 429]


def test_client_survives_faults_and_paces_on_the_bucket() -> None:
    client = sn.sandbox(
        seed=7,
        products=60,
        fault_rate=0.3,
        bucket_capacity=40,
        fault_weights={"500": 1, "503": 1, "423": 1, "429": 1, "drop": 1},
        settings={"backoff_base": 0.01, "backoff_max": 0.05, "max_attempts": 8},
    )
    guids = [p["guid"] for p in client.sandbox.products()]
    client.sandbox.set_options(fault_rate=0.0)
    client.image_cuts()
    client.list_products()
    client.sandbox.set_options(fault_rate=0.3)
    images = sn.read_images(client, guids, progress=False)
    stats = client.sandbox.stats()
    assert sum(stats["faults"].values()) > 0  # faults were injected …
    assert sn.read_errors(images).empty  # … and every read got through on a retry
    expected = sum(len(client.sandbox.images(g, "shop")) for g in guids)
    assert len(images) == expected
    assert calls(client, "GET", IMAGES) > len(guids)


def test_pacing_keeps_a_long_run_off_429() -> None:
    # A small bucket that a burst of 80 reads would overflow: pacing must slow down instead.
    client = sn.sandbox(
        seed=8,
        products=80,
        bucket_capacity=30,
        leak_per_s=100.0,
        settings={"bucket_leak_per_s": 100.0},
    )
    guids = [p["guid"] for p in client.sandbox.products()]
    sn.read_images(client, guids, progress=False)
    stats = client.sandbox.stats()
    assert stats["responses"].get("429", 0) <= 2
    assert max(stats["buckets"].values()) <= 30
