"""read_images against the sandbox shop."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.columns import ERROR_COLUMNS, IMAGE_COLUMNS

from helpers import IMAGES, calls, products_with_images, read


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=5, products=40)


def test_columns_dtypes_and_order(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 4)
    images = read(client, list(reversed(guids)))
    assert list(images.columns) == list(IMAGE_COLUMNS)
    for column, dtype in IMAGE_COLUMNS.items():
        assert images[column].dtype == dtype, column
    assert images["guid"].is_monotonic_increasing
    for guid in guids:
        mine = images[images["guid"] == guid]
        server = client.sandbox.images(guid, "shop")
        # One row per image, in the server's (admin) order, values as the server has them.
        assert mine["name"].tolist() == [i["name"] for i in server]
        assert mine["priority"].tolist() == [
            pd.NA if i["priority"] is None else i["priority"] for i in server
        ]
        assert mine["is_main_image"].tolist() == [i["isMainImage"] for i in server]
    assert images["change_time"].dt.tz is not None
    first = images.iloc[0]
    assert first["url"].endswith("/" + first["name"])
    assert "/detail/" in first["url"]
    assert client.fetch_file(first["url"]).startswith(b"\x89PNG")
    names = {p["guid"]: p["name"] for p in client.sandbox.products()}
    assert (images["product_name"] == images["guid"].map(names)).all()


def test_whole_shop_is_read_when_products_is_none(client: sn.ShoptetClient) -> None:
    images = sn.read_images(client, progress=False)
    expected = sum(len(client.sandbox.images(p["guid"], "shop")) for p in client.sandbox.products())
    assert len(images) == expected
    assert images["guid"].nunique() <= len(client.sandbox.products())


def test_products_as_frame_or_single_guid(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 2)
    from_frame = sn.read_images(client, pd.DataFrame({"guid": guids}), progress=False)
    from_list = read(client, guids)
    pd.testing.assert_frame_equal(from_frame, from_list)
    single = sn.read_images(client, guids[0], progress=False)
    assert set(single["guid"]) == {guids[0]}
    with pytest.raises(sn.FrameError, match="guid"):
        sn.read_images(client, pd.DataFrame({"id": guids}))
    with pytest.raises(sn.ArgumentError, match="non-empty"):
        sn.read_images(client, [guids[0], 5])  # type: ignore[list-item]


def test_both_galleries(client: sn.ShoptetClient) -> None:
    with_360 = [
        p["guid"] for p in client.sandbox.products() if client.sandbox.images(p["guid"], "shop360")
    ]
    assert with_360, "the seeded catalogue should have 360° galleries"
    images = read(client, with_360[:2], gallery=["shop", "shop360"])
    assert set(images["gallery"]) == {"shop", "shop360"}
    assert not images.loc[images["gallery"] == "shop360", "is_main_image"].any()
    with pytest.raises(sn.ArgumentError, match="shop360"):
        read(client, with_360, gallery="shop3d")


def test_unknown_product_does_not_stop_the_others(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 2)
    ghost = "00000000-0000-4000-8000-000000000000"
    with pytest.warns(UserWarning, match="1 gallery read"):
        images = read(client, [guids[0], ghost, guids[1]])
    assert set(images["guid"]) == set(guids)
    errors = sn.read_errors(images)
    assert list(errors.columns) == list(ERROR_COLUMNS)
    assert errors["guid"].tolist() == [ghost]
    assert errors["error_code"].tolist() == ["product-not-found"]


class FailSome(httpx.BaseTransport):
    """Answers 503 to gallery reads of chosen products; passes the rest to the sandbox."""

    def __init__(self, inner: httpx.BaseTransport, failing: set[str]) -> None:
        self.inner, self.failing = inner, failing

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if "images" in parts and parts[3] in self.failing:
            return httpx.Response(
                503,
                json={
                    "data": None,
                    "errors": [
                        {
                            "errorCode": "unknown-error",
                            "message": "maintenance",
                            "instance": parts[3],
                        }
                    ],
                    "metadata": {"requestId": "r"},
                },
            )
        return self.inner.handle_request(request)


def test_failed_reads_are_reported_not_raised(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 5)
    failing = {guids[1], guids[3]}
    flaky = sn.connect(
        "t",
        base_url=str(client.settings.base_url),
        max_attempts=2,
        transport=FailSome(client.sandbox.transport(), failing),
    )
    with pytest.warns(UserWarning, match="2 gallery read"):
        images = read(flaky, guids)
    errors = sn.read_errors(images)
    assert set(errors["guid"]) == failing
    assert set(errors["http_status"]) == {503}
    assert set(images["guid"]) == set(guids) - failing


def test_changed_since_reads_only_changed_products(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 3)
    first = read(client, guids)
    newest = max(
        pd.to_datetime(p["changeTime"], format="%Y-%m-%dT%H:%M:%S%z")
        for p in client.list_products()
    ).to_pydatetime() + timedelta(seconds=1)  # changeTimeFrom includes its own second
    image = client.sandbox.images(guids[1], "shop")[0]
    client.sandbox.set_image(guids[1], "shop", image["name"], description="Nový popisek")
    refreshed = sn.read_images(client, changed_since=newest, progress=False)
    assert set(refreshed["guid"]) == {guids[1]}
    assert "Nový popisek" in refreshed["description"].tolist()
    assert len(first) > len(refreshed)


def test_reads_go_through_the_limits(client: sn.ShoptetClient) -> None:
    guids = [p["guid"] for p in client.sandbox.products()]
    read(client, guids)
    stats = client.sandbox.stats()
    assert max(stats["max_concurrency"].values()) <= 3
    assert calls(client, "GET", IMAGES) == len(guids)


def test_language_is_passed_through(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 1)
    images = read(client, guids, language="sk")
    assert len(images) == len(client.sandbox.images(guids[0], "shop"))
