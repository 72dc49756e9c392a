"""Seeded fault injection, reached in-process: statuses, dropped connections, slow answers."""

from __future__ import annotations

import time

import httpx
import pytest

from shoptet_nb.sandbox import FAULT_KINDS, SandboxShop

BASE = "http://sandbox.shoptet-nb.test"
HEADERS = {"Shoptet-Private-API-Token": "token-f", "Content-Type": "application/json"}


def only(kind: str, **options: object) -> SandboxShop:
    weights = {k: (1.0 if k == kind else 0.0) for k in FAULT_KINDS}
    return SandboxShop(products=5, fault_rate=1.0, fault_weights=weights, **options)  # type: ignore[arg-type]


def connect(shop: SandboxShop, timeout: float | None = 5.0) -> httpx.Client:
    return httpx.Client(
        transport=shop.transport(), base_url=BASE, headers=HEADERS, timeout=httpx.Timeout(timeout)
    )


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("500", 500, "unknown-error"),
        ("503", 503, "maintenance"),
        ("423", 423, "locked"),
        ("429", 429, "too-many-requests"),
    ],
)
def test_status_faults(kind: str, status: int, code: str) -> None:
    shop = only(kind)
    guid = next(str(p["guid"]) for p in shop.products() if shop.images(str(p["guid"])))
    before = shop.images(guid)
    body = {"data": {"images": [{"name": before[0]["name"], "priority": 999}]}}
    response = connect(shop).patch(f"/api/products/{guid}/images/shop", json=body)
    assert response.status_code == status
    assert response.json()["errors"][0]["errorCode"] == code
    assert response.json()["data"] is None
    assert "X-RateLimit-Bucket-Filling" in response.headers
    if status == 429:
        assert response.headers["Retry-After"].endswith(" GMT")
    assert shop.images(guid) == before  # status faults strike before processing
    assert shop.stats()["faults"] == {kind: 1}


def test_faults_spare_files_and_stats() -> None:
    shop = only("500")
    api = connect(shop)
    assert api.get("/user/shop/big/1.jpg").status_code == 200
    assert api.get("/_sandbox/stats").status_code == 200
    assert shop.stats()["faults"] == {}


@pytest.mark.parametrize(("share", "lands"), [(0.0, False), (1.0, True)])
def test_dropped_connection(share: float, lands: bool) -> None:
    shop = only("drop", drop_after_apply_share=share)
    guid = next(str(p["guid"]) for p in shop.products() if shop.images(str(p["guid"])))
    name = shop.images(guid)[0]["name"]
    body = {"data": {"images": [{"name": name, "priority": 4242}]}}
    with pytest.raises(httpx.RemoteProtocolError):
        connect(shop).patch(f"/api/products/{guid}/images/shop", json=body)
    priority = next(i["priority"] for i in shop.images(guid) if i["name"] == name)
    assert (priority == 4242) is lands
    assert shop.stats()["faults"] == {"drop": 1}
    assert shop.stats()["responses"] == {}


def test_drops_after_apply_are_about_half() -> None:
    shop = only("drop")
    guid = next(str(p["guid"]) for p in shop.products() if shop.images(str(p["guid"])))
    name = shop.images(guid)[0]["name"]
    api = connect(shop)
    landed = 0
    for priority in range(1, 41):
        body = {"data": {"images": [{"name": name, "priority": priority}]}}
        with pytest.raises(httpx.RemoteProtocolError):
            api.patch(f"/api/products/{guid}/images/shop", json=body)
        landed += any(i["name"] == name and i["priority"] == priority for i in shop.images(guid))
    assert 8 <= landed <= 32


def test_slow_response_times_out_after_the_read_timeout() -> None:
    shop = only("slow")
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        connect(shop, timeout=0.2).get("/api/eshop")
    assert 0.2 <= time.perf_counter() - started < 1.0
    assert shop.stats()["faults"] == {"slow": 1}
    assert shop.stats()["responses"] == {"200": 1}  # it was processed


def test_slow_response_arrives_without_a_timeout() -> None:
    shop = only("slow", slow_response_s=0.1)
    response = connect(shop, timeout=None).get("/api/eshop")
    assert response.status_code == 200


def _outcomes(seed: int, count: int = 60) -> list[str]:
    shop = SandboxShop(products=5, fault_rate=0.4, fault_seed=seed)
    api = connect(shop, timeout=0.01)
    outcomes = []
    for _ in range(count):
        try:
            outcomes.append(str(api.get("/api/eshop").status_code))
        except httpx.HTTPError as exc:
            outcomes.append(type(exc).__name__)
    return outcomes


def test_faults_are_deterministic_for_a_seed() -> None:
    first = _outcomes(seed=3)
    assert first == _outcomes(seed=3)
    assert first != _outcomes(seed=4)
    assert {"200", "500", "503", "423", "429", "RemoteProtocolError", "ReadTimeout"} <= set(first)
    share = 1 - first.count("200") / len(first)
    assert 0.2 < share < 0.6


def test_fault_rate_can_change_at_run_time() -> None:
    shop = SandboxShop(products=5)
    api = connect(shop)
    assert api.get("/api/eshop").status_code == 200
    shop.set_options(fault_rate=1.0, fault_weights={"503": 1.0})
    assert api.get("/api/eshop").status_code == 503
    shop.set_options(fault_rate=0.0)
    assert api.get("/api/eshop").status_code == 200
