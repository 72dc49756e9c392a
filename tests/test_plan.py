"""plan_updates: validation, diffing, statuses, requests; planning never writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.columns import PLAN_COLUMNS

from helpers import IMAGES, calls, products_with_images, read


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=11, products=30)


@pytest.fixture
def images(client: sn.ShoptetClient) -> pd.DataFrame:
    return read(client, products_with_images(client, 3, min_images=4))


def test_unedited_frame_plans_nothing(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    plan = sn.plan_updates(client, images, base=images, progress=False)
    assert plan.counts["unchanged"] == len(images)
    assert plan.requests.empty
    assert list(plan.rows.columns) == list(PLAN_COLUMNS)


def test_statuses_and_same_index(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    guid = images["guid"].iloc[0]
    first, second = images["name"].iloc[0], images["name"].iloc[1]
    current = images.set_index("name").loc[first]
    edits = pd.DataFrame(
        {
            "guid": [guid, guid, guid, "not-a-guid", "00000000-0000-4000-8000-000000000000"],
            "name": [first, second, "missing.jpg", first, "x.jpg"],
            "priority": [np.nan, 999, 5, 1, 1],
            "description": ["Nový popis – žluťoučký kůň", None, None, None, None],
        },
        index=["a", "b", "c", "d", "e"],
    )
    before = edits.copy(deep=True)
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    pd.testing.assert_frame_equal(edits, before)  # the caller's frame is never mutated
    assert plan.rows.index.tolist() == ["a", "b", "c", "d", "e"]
    assert plan.rows["status"].tolist() == [
        "would_update",
        "would_update",
        "not_found",
        "invalid",
        "not_found",
    ]
    a = plan.rows.loc["a"]
    assert a["old_description"] == (
        current["description"] if pd.notna(current["description"]) else a["old_description"]
    )
    assert a["new_description"] == "Nový popis – žluťoučký kůň"
    assert a["new_priority"] == a["old_priority"] or pd.isna(a["old_priority"])  # null: unchanged
    assert plan.rows.loc["b", "new_priority"] == 999
    assert "missing.jpg" in plan.rows.loc["c", "reason"]
    assert "malformed" in plan.rows.loc["d", "reason"]
    assert "not in the shop" in plan.rows.loc["e", "reason"]


def test_null_means_unchanged_and_empty_string_clears(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    with_caption = images[images["description"].fillna("").str.len() > 0].iloc[:2]
    edits = with_caption[["guid", "name"]].assign(
        description=[pd.NA, ""], priority=[np.nan, np.nan]
    )
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.rows["status"].tolist() == ["unchanged", "would_update"]
    assert "null" in plan.rows["reason"].iloc[0]
    (call,) = plan.requests.itertuples()
    assert call.images == [{"name": with_caption["name"].iloc[1], "description": ""}]


def test_requests_hold_only_changed_images_and_fields(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    edits = images.copy()
    edits.loc[edits.index[0], "description"] = "Změněno"
    edits.loc[edits.index[2], "priority"] = 4321
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.counts["would_update"] == 2
    sent = [item for items in plan.requests["images"] for item in items]
    assert {"name": edits["name"].iloc[0], "description": "Změněno"} in sent
    assert {"name": edits["name"].iloc[2], "priority": 4321} in sent
    assert len(sent) == 2


def test_big_gallery_is_split_in_calls_of_100() -> None:
    client = sn.sandbox(seed=0, products=200)
    big = next(
        p["guid"]
        for p in client.sandbox.products()
        if len(client.sandbox.images(p["guid"], "shop")) > 100
    )
    images = read(client, [big])
    edits = images.assign(description=[f"Popisek {i}" for i in range(len(images))])
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.requests["n_images"].tolist() == [100, len(images) - 100]
    assert calls(client, "PATCH", IMAGES) == 0


def test_planning_never_writes_and_reads_once(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 3)
    images = read(client, guids)
    client.sandbox.reset_stats()
    sn.plan_updates(
        client, images.assign(priority=images["priority"].fillna(0) + 7), progress=False
    )
    assert calls(client, "PATCH", IMAGES) == 0
    assert calls(client, "GET", IMAGES) == len(guids)  # no base: one fresh read per gallery
    client.sandbox.reset_stats()
    sn.plan_updates(client, images.assign(priority=7), base=images, progress=False)
    assert calls(client, "GET", IMAGES) == 0  # the base covers every product


def test_camel_case_columns_are_accepted(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    edits = images.rename(columns={"guid": "productGuid", "change_time": "changeTime"})
    edits = edits.assign(description="x")
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    already = int((images["description"] == "x").sum())
    assert plan.counts["would_update"] == len(images) - already
    assert plan.counts["invalid"] == 0


def test_contradicting_rows_are_invalid(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    guid, name = images["guid"].iloc[0], images["name"].iloc[0]
    edits = pd.DataFrame(
        {"guid": [guid, guid, guid], "name": [name, name, name], "priority": [3, 4, np.nan]}
    )
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.rows["status"].tolist()[:2] == ["invalid", "invalid"]
    assert "different values for priority" in plan.rows["reason"].iloc[0]
    assert plan.rows["status"].iloc[2] == "unchanged"  # changes nothing itself
    agreeing = pd.DataFrame(
        {"guid": [guid, guid], "name": [name, name], "priority": [60000, 60000.0]}
    )
    plan = sn.plan_updates(client, agreeing, base=images, progress=False)
    assert plan.rows["status"].tolist() == ["would_update", "would_update"]
    assert plan.requests["n_images"].sum() == 1  # one image, sent once


def test_frame_contract_errors(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    with pytest.raises(sn.FrameError, match="DataFrame"):
        sn.plan_updates(client, images.to_dict("records"))  # type: ignore[arg-type]
    with pytest.raises(sn.FrameError, match="name"):
        sn.plan_updates(client, images.drop(columns=["name"]))
    with pytest.raises(sn.FrameError, match="nothing to change"):
        sn.plan_updates(client, images[["guid", "name"]])
    with pytest.raises(sn.FrameError, match="base lacks"):
        sn.plan_updates(client, images, base=images.drop(columns=["change_time"]))


def test_plan_renders_escaped_html(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    edits = images.iloc[:1].assign(description="<img src=x onerror=alert(1)>")
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    html = plan._repr_html_()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert "would_update: 1" in html
    assert "SANDBOX" in html
    assert "would_update=1" in repr(plan)


def test_a_near_miss_column_name_warns(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    edits = images[["guid", "name", "priority"]].assign(caption="Nový popisek")
    with pytest.warns(UserWarning, match="'caption' is not read by plan_updates: did you mean"):
        plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.counts["unchanged"] == len(images)


def test_sandbox_passes_client_settings() -> None:
    client = sn.sandbox(seed=1, products=3, settings={"max_attempts": 1, "timeout": 2.5})
    assert client.settings.max_attempts == 1
    assert client.settings.timeout == 2.5


def test_a_given_invalid_reason_makes_the_row_invalid_and_unsent() -> None:
    """read_captions marks rows whose key cells were altered; the plan honours the mark."""
    client = sn.sandbox(seed=0, products=5)
    images = sn.read_images(client, progress=False).iloc[:3]
    edits = images[["guid", "gallery", "name"]].assign(
        description="New caption", invalid_reason=[None, "key cells were altered", None]
    )
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.rows["status"].tolist() == ["would_update", "invalid", "would_update"]
    assert plan.rows["reason"].iloc[1] == "key cells were altered"
    assert len(plan.targets) == 2
