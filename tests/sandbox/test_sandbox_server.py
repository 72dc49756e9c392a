"""The sandbox over loopback (``serve``), from the command line, and as a shoptet_nb client."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from shoptet_nb.sandbox import FAULT_KINDS, SandboxOptions, SandboxShop, serve

HEADERS = {"Shoptet-Private-API-Token": "loopback", "Content-Type": "application/json"}
REPO = Path(__file__).resolve().parents[2]


def test_serve_answers_on_loopback_and_stops() -> None:
    with serve(SandboxOptions(products=8, seed=2, leak_per_s=0.001)) as running:
        assert running.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=running.base_url, headers=HEADERS, timeout=5) as api:
            products = api.get("/api/products").json()["data"]["products"]
            assert [p["guid"] for p in products] == [p["guid"] for p in running.shop.products()]
            guid = next(p["guid"] for p in products if running.shop.images(p["guid"]))
            name = running.shop.images(guid)[0]["name"]
            body = {"data": {"images": [{"name": name, "description": "Přes síť"}]}}
            response = api.patch(f"/api/products/{guid}/images/shop", json=body)
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Bucket-Filling"] == "2/200"
            cuts = api.get("/api/eshop", params={"include": "imageCuts"}).json()["data"]
            url = next(c["urlPath"] for c in cuts["imageCuts"] if c["name"] == "big") + name
            assert url.startswith(running.base_url)
            png = httpx.get(url, timeout=5)
            assert png.headers["Content-Type"] == "image/png"
            assert png.content.startswith(b"\x89PNG")
            stats = httpx.get(running.base_url + "/_sandbox/stats", timeout=5).json()
            assert stats["writes"] == {f"{guid}/shop/{name}": 1}
            assert stats == running.shop.stats()
            reset = httpx.post(running.base_url + "/_sandbox/reset-stats", timeout=5)
            assert reset.status_code == 200
            assert running.shop.stats()["requests"] == {}
        base_url = running.base_url
        threads_before = {t.name for t in threading.enumerate()}
        assert any(name.startswith("shoptet-nb-sandbox-") for name in threads_before)
    assert not any(t.name.startswith("shoptet-nb-sandbox-") for t in threading.enumerate())
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/_sandbox/stats", timeout=2)


def test_serve_accepts_an_existing_shop() -> None:
    shop = SandboxShop(products=3)
    with serve(shop) as running:
        assert running.shop is shop
        response = httpx.get(running.base_url + "/api/eshop", headers=HEADERS, timeout=5)
        assert response.status_code == 200
    assert shop.stats()["requests"] == {"GET /api/eshop": 1}


def test_concurrency_is_counted_over_loopback() -> None:
    with serve(SandboxOptions(products=3, latency_ms=500)) as running:
        barrier = threading.Barrier(4)
        statuses: queue.Queue[int] = queue.Queue()

        def call() -> None:
            with httpx.Client(headers=HEADERS, timeout=5) as client:
                barrier.wait()
                statuses.put(client.get(running.base_url + "/api/eshop").status_code)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(statuses.get_nowait() for _ in range(4)) == [200, 200, 200, 429]


def test_network_faults_over_loopback() -> None:
    drop = {k: float(k == "drop") for k in FAULT_KINDS}
    options = SandboxOptions(products=3, fault_rate=1.0, fault_weights=drop, slow_response_s=2.0)
    with serve(options) as running:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(running.base_url + "/api/eshop", headers=HEADERS, timeout=5)
        running.shop.set_options(fault_weights={"slow": 1.0})
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(running.base_url + "/api/eshop", headers=HEADERS, timeout=0.3)
        assert time.perf_counter() - started < 1.5
        running.shop.set_options(fault_rate=0.0)
        response = httpx.get(running.base_url + "/api/eshop", headers=HEADERS, timeout=5)
        assert response.status_code == 200
        assert running.shop.stats()["faults"] == {"drop": 1, "slow": 1}


def test_cli_prints_base_url_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shoptet_nb.sandbox",
            "--port",
            "0",
            "--products",
            "4",
            "--seed",
            "9",
            "--latency-ms",
            "1",
            "--fault-rate",
            "0",
            "--no-limits",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=REPO,
    ) as process:
        _drive_cli(process)


def _drive_cli(process: subprocess.Popen[str]) -> None:
    try:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout],  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        first = lines.get(timeout=60)
        assert first.startswith("Sandbox shop at http://127.0.0.1:")
        base_url = first.strip().rsplit(" ", 1)[1]
        response = httpx.get(base_url + "/api/products", headers=HEADERS, timeout=5)
        assert response.json()["data"]["paginator"]["totalCount"] == 4
        assert (
            response.json()["data"]["products"][0]["guid"]
            == SandboxShop(products=4, seed=9).products()[0]["guid"]
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        reader.join(5)
        assert "stopped" in "".join(list(lines.queue))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_cli_rejects_bad_options() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "shoptet_nb.sandbox", "--port", "0", "--fault-rate", "3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 2
    assert "fault_rate" in done.stderr


def test_sandbox_function_returns_a_connected_client() -> None:
    pytest.importorskip("shoptet_nb.client")
    from shoptet_nb.sandbox import sandbox

    client = sandbox(seed=4, products=6, latency_ms=0)
    try:
        shop = client.sandbox
        assert isinstance(shop, SandboxShop)
        assert shop.options.seed == 4
        assert shop.options.products == 6
        envelope = client.request("GET", "/api/eshop", params={"include": "imageCuts"})
        assert envelope.data["imageCuts"]
        assert shop.stats()["requests"] == {"GET /api/eshop": 1}
        assert "sandbox-token" not in repr(shop.stats())
    finally:
        client.close()
