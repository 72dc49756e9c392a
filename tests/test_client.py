"""The client on its own, against hand-written httpx.MockTransport handlers."""

from __future__ import annotations

import json
import logging
import pickle
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import shoptet_nb
from shoptet_nb import errors
from shoptet_nb._limits import TokenLimiter
from shoptet_nb.client import ShoptetClient
from shoptet_nb.config import Secret, Settings

TOKEN = "123456-p-100-0123456789abcdef0123456789abcdef"
ACCESS = "123456-a-111-fedcba9876543210fedcba9876543210"
GUID = "92ca3575-7481-11e8-8216-002590dad85e"


def envelope(data: Any = None, errors_: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"data": data, "errors": errors_, "metadata": {"requestId": "req-1"}}


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], **settings: Any
) -> tuple[ShoptetClient, list[float]]:
    slept: list[float] = []
    client = ShoptetClient(
        Secret(TOKEN),
        "Shoptet-Private-API-Token",
        Settings(base_url="https://api.example.test", **settings),
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
    )
    return client, slept


def test_connect_takes_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope({"images": []}))

    monkeypatch.setenv("SHOPTET_PRIVATE_API_TOKEN", TOKEN)
    monkeypatch.setenv("SHOPTET_BASE_URL", "https://api.example.test/")
    client = shoptet_nb.connect(transport=httpx.MockTransport(handler))
    assert client.list_images(GUID) == []
    request = seen[0]
    assert request.headers["Shoptet-Private-API-Token"] == TOKEN
    assert request.headers["Content-Type"] == "application/json"
    assert str(request.url) == f"https://api.example.test/api/products/{GUID}/images/shop"


def test_access_token_from_environment_uses_its_header(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []
    monkeypatch.delenv("SHOPTET_PRIVATE_API_TOKEN", raising=False)
    monkeypatch.setenv("SHOPTET_ACCESS_TOKEN", ACCESS)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope({"images": []}))

    shoptet_nb.connect(transport=httpx.MockTransport(handler)).list_images(GUID)
    assert seen[0].headers["Shoptet-Access-Token"] == ACCESS
    assert "Shoptet-Private-API-Token" not in seen[0].headers


def test_explicit_access_token_shape_picks_access_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope({"images": []}))

    shoptet_nb.connect(
        ACCESS, base_url="https://x.test", transport=httpx.MockTransport(handler)
    ).list_images(GUID)
    assert seen[0].headers["Shoptet-Access-Token"] == ACCESS


def test_no_token_says_how_to_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPTET_PRIVATE_API_TOKEN", raising=False)
    monkeypatch.delenv("SHOPTET_ACCESS_TOKEN", raising=False)
    with pytest.raises(errors.ConfigError, match="SHOPTET_PRIVATE_API_TOKEN") as info:
        shoptet_nb.connect()
    assert "getpass" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(errors.ConfigError):
        shoptet_nb.connect("   ")


@pytest.mark.parametrize("url", ["ftp://x", "api.myshoptet.com", "https://"])
def test_bad_base_url(url: str) -> None:
    with pytest.raises(errors.ConfigError, match="base_url"):
        shoptet_nb.connect(TOKEN, base_url=url)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(errors.ConfigError, match="max_in_flight"):
        shoptet_nb.connect(TOKEN, max_in_flight=4)
    with pytest.raises(errors.ConfigError, match="max_images_per_call"):
        shoptet_nb.connect(TOKEN, max_images_per_call=101)


def test_token_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] < 3:
            return httpx.Response(
                503,
                json=envelope(
                    None,
                    [{"errorCode": "unknown-error", "message": "maintenance", "instance": "x"}],
                ),
            )
        return httpx.Response(
            401,
            json=envelope(
                None,
                [{"errorCode": "expired-token", "message": "Token expired", "instance": "token"}],
            ),
        )

    client, _ = make_client(handler)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(errors.AuthenticationError) as info:
        client.list_images(GUID)
    shown = [
        repr(client),
        str(client),
        repr(client.settings),
        repr(client._http.auth),
        str(info.value),
        repr(info.value),
        "".join(traceback.format_exception(info.value)),
        caplog.text,
        repr(Secret(TOKEN)),
        f"{Secret(TOKEN)}",
    ]
    assert calls["n"] == 3
    assert "retrying" in caplog.text  # the retries were logged …
    for text in shown:
        assert TOKEN not in text  # … and nothing shows the token
    with pytest.raises(TypeError):
        pickle.dumps(Secret(TOKEN))


def test_token_is_not_sent_to_other_hosts() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"\x89PNG")

    client, _ = make_client(handler)
    assert client.fetch_file("https://cdn.example.test/user/shop/big/1.jpg") == b"\x89PNG"
    assert "Shoptet-Private-API-Token" not in seen[0].headers
    # A file is never sent the token, not even one on the API's own host.
    client.fetch_file("https://api.example.test/user/shop/big/1.jpg")
    assert "Shoptet-Private-API-Token" not in seen[1].headers


def test_200_with_errors_is_kept() -> None:
    items = [
        {
            "errorCode": "invalid-request-data",
            "message": "no such image",
            "instance": "data.images[1].name",
        }
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=envelope({"images": []}, items), headers={"X-Request-ID": "hdr"}
        )

    client, _ = make_client(handler)
    (env,) = client.update_images(GUID, "shop", [{"name": "a.jpg", "description": "x"}])
    assert env.status == 200
    assert env.errors == items
    assert env.request_id == "req-1"  # the envelope's id wins over the header's


@pytest.mark.parametrize(
    ("status", "klass"),
    [
        (400, errors.ValidationError),
        (401, errors.AuthenticationError),
        (403, errors.AuthenticationError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (413, errors.ValidationError),
        (422, errors.ValidationError),
        (423, errors.LockedError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.APIError),
    ],
)
def test_every_error_class_is_reachable(status: int, klass: type[errors.APIError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            json=envelope(
                None, [{"errorCode": "some-code", "message": "went wrong", "instance": GUID}]
            ),
            headers={"Retry-After": "Mon, 01 Jul 2024 12:01:11 GMT"},
        )

    client, _ = make_client(handler, max_attempts=1)
    with pytest.raises(klass) as info:
        client.list_images(GUID)
    err = info.value
    assert type(err) is klass
    assert (err.status, err.error_code, err.message, err.instance) == (
        status,
        "some-code",
        "went wrong",
        GUID,
    )
    assert err.request_id == "req-1"
    assert (err.method, err.path) == ("GET", f"/api/products/{GUID}/images/shop")
    assert str(err).startswith(f"HTTP {status} some-code: went wrong")
    assert isinstance(err, errors.ShoptetError)


def test_non_json_error_body_still_makes_a_readable_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, content=b"<html>Bad gateway</html>")

    client, _ = make_client(handler, max_attempts=1)
    with pytest.raises(errors.ServerError, match="Bad gateway"):
        client.list_images(GUID)


def test_non_json_success_body_is_an_error() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, content=b"oops"))
    with pytest.raises(errors.APIError, match="not JSON"):
        client.list_images(GUID)


def test_retries_then_succeeds_with_backoff() -> None:
    statuses = iter([503, 500, 423, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(status, json=envelope({"images": []} if status == 200 else None))

    client, slept = make_client(handler)
    env = client.list_images_envelope(GUID)
    assert env.attempts == 4
    assert len(slept) == 3
    assert slept[2] >= 1.0  # 423: at least a second before trying the lock again


def test_429_waits_for_retry_after_date() -> None:
    statuses = iter([429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        headers = {"X-RateLimit-Bucket-Filling": "200/200"}
        if status == 429:
            when = time.time() + 2
            headers["Retry-After"] = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))
        return httpx.Response(status, json=envelope({"images": []}), headers=headers)

    client, slept = make_client(handler)
    client.list_images(GUID)
    assert 0.9 <= slept[0] <= 3.5  # an HTTP date, one second resolution


def test_patch_is_retried_because_it_sets_absolute_values() -> None:
    statuses = iter([500, 200])
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(next(statuses), json=envelope({"images": []}))

    client, _ = make_client(handler)
    client.update_images(GUID, "shop", [{"name": "a.jpg", "priority": 3}])
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]


def test_connection_errors_give_network_error_with_cause() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, slept = make_client(handler, max_attempts=3)
    with pytest.raises(errors.NetworkError, match="3 attempt") as info:
        client.list_images(GUID)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(slept) == 2


def test_timeouts_are_retried() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=envelope({"images": []}))

    client, _ = make_client(handler)
    assert client.list_images(GUID) == []
    assert calls["n"] == 2


def test_update_images_splits_into_calls_of_100() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sizes.append(len(json.loads(request.content)["data"]["images"]))
        return httpx.Response(200, json=envelope({"images": []}))

    client, _ = make_client(handler)
    items = [{"name": f"{i}.jpg", "priority": i + 1} for i in range(250)]
    assert len(client.update_images(GUID, "shop", items)) == 3
    assert sizes == [100, 100, 50]
    with pytest.raises(errors.ArgumentError, match="gallery"):
        client.update_images(GUID, "shop3d", items)
    with pytest.raises(errors.ArgumentError, match="at least one"):
        client.update_images(GUID, "shop", [])


def test_list_products_pages_and_chunks_guid_filter() -> None:
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append(params)
        page = int(params["page"])
        guids = params.get("productGuids", "").split(",") if "productGuids" in params else None
        products = (
            [{"guid": g, "name": g} for g in guids]
            if guids
            else [{"guid": f"p{page}-{i}", "name": "x"} for i in range(2)]
        )
        return httpx.Response(
            200,
            json=envelope(
                {
                    "products": products,
                    "paginator": {
                        "totalCount": 6,
                        "page": page,
                        "pageCount": 1 if guids else 3,
                        "itemsOnPage": len(products),
                        "itemsPerPage": 1000,
                    },
                }
            ),
        )

    client, _ = make_client(handler)
    products = client.list_products(language="sk")
    assert [p["guid"] for p in products] == ["p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1"]
    assert all(p["language"] == "sk" for p in seen)
    seen.clear()
    guids = [f"g{i}" for i in range(120)]
    products = client.list_products(
        product_guids=guids, change_time_from="2024-01-01T00:00:00+0100"
    )
    assert [p["guid"] for p in products] == guids
    # The chunks go out concurrently: their order is not part of the contract.
    assert sorted(len(p["productGuids"].split(",")) for p in seen) == [20, 50, 50]
    assert all(p["changeTimeFrom"] == "2024-01-01T00:00:00+0100" for p in seen)


def test_never_more_than_three_in_flight() -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return httpx.Response(200, json=envelope({"images": []}))

    client, _ = make_client(handler)
    results = list(client.map(lambda i: client.list_images(f"g{i}"), range(24)))
    assert len(results) == 24
    # Callers' own threads share the same cap, too.
    threads = [threading.Thread(target=client.list_images, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["max"] == 3


def test_map_reports_each_failure_and_keeps_going() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json=envelope({})))

    def work(i: int) -> int:
        if i % 2:
            raise ValueError(i)
        return i * 10

    results = dict(client.map(work, range(6)))
    assert [results[i] for i in (0, 2, 4)] == [0, 20, 40]
    assert all(isinstance(results[i], ValueError) for i in (1, 3, 5))


def test_limiter_paces_before_the_bucket_is_full() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = TokenLimiter(
        max_in_flight=3, leak_per_s=10.0, reserve=0.1, clock=lambda: now[0], sleep=sleep
    )
    with limiter.slot():
        pass
    assert slept == []  # capacity unknown yet: no pacing
    limiter.report(150.0, 200.0)
    with limiter.slot():
        pass
    assert slept == []  # well under the threshold
    limiter.report(195.0, 200.0)
    with limiter.slot():
        pass
    assert sum(slept) == pytest.approx(1.6)  # (195 + 1 − 180) / 10 drops per second
    slept.clear()
    limiter.pause(2.5)
    with limiter.slot():
        pass
    assert sum(slept) == pytest.approx(2.5)


def test_client_repr_marks_the_sandbox_and_hides_the_token() -> None:
    client, _ = make_client(lambda r: httpx.Response(200))
    assert "***" in repr(client)
    assert "SANDBOX" not in repr(client)
    client.sandbox = object()
    assert "SANDBOX" in repr(client)


def test_read_file_sends_no_token_even_to_the_api_host_and_retries() -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(503), httpx.Response(200, content=b"0123456789" * 100)]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    client, slept = make_client(handler)
    part = client.read_file("https://api.example.test/user/shop/orig/1.jpg", length=16)
    assert [r.headers.get("Shoptet-Private-API-Token") for r in seen] == [None, None]
    assert seen[0].headers["Range"] == "bytes=0-15"
    assert len(slept) == 1  # the 503 was retried once
    # The server ignored Range: only the bytes asked for are kept, the size is Content-Length.
    assert part.content == b"0123456789012345"
    assert (part.total, part.status) == (1000, 200)


def test_read_file_reads_content_range() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Range"] == "bytes=100-109"
        return httpx.Response(
            206, content=b"x" * 10, headers={"Content-Range": "bytes 100-109/5000"}
        )

    client, _ = make_client(handler)
    part = client.read_file("https://cdn.example.test/a.jpg", start=100, length=10)
    assert (part.content, part.start, part.total, part.status) == (b"x" * 10, 100, 5000, 206)


@pytest.mark.parametrize("base_url", ["https://api.example.test", "http://127.0.0.1:8123/shop/"])
@pytest.mark.parametrize(
    "path",
    [
        f"/api/products/{GUID}/images/shop",
        "/api/products/code/A%2FB%20%C5%99",
        "/api/products/code/a b ř",
        "/api/products?productGuids=a,b&x=http://y",
        "/api/../api/eshop",
        "api/eshop",
        "//other.test/api/eshop",
        "https://other.test/api/eshop",
        "/api/eshop#part",
    ],
)
def test_the_client_joins_a_path_to_the_base_url_as_httpx_does(base_url: str, path: str) -> None:
    # The client joins API paths itself (cheaper than httpx's join): the same address results.
    with ShoptetClient(
        Secret(TOKEN), "Shoptet-Private-API-Token", Settings(base_url=base_url)
    ) as c:
        joined = c._http.build_request("GET", c._api_url(path), params={"language": "sk"})
        by_httpx = c._http.build_request("GET", path, params={"language": "sk"})
    assert joined.url == by_httpx.url
    assert joined.headers == by_httpx.headers
