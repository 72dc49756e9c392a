"""apply, update_images, revert and resume, judged by the sandbox's own state and counters."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.apply import combine_results, unsent_result
from shoptet_nb.columns import ERROR_COLUMNS, IMAGE_COLUMNS, RESULT_COLUMNS
from shoptet_nb.plan import split_plan
from shoptet_nb.write.run import run_plan

from helpers import IMAGES, calls, products_with_images, read, server_image


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=21, products=30)


@pytest.fixture
def images(client: sn.ShoptetClient) -> pd.DataFrame:
    return read(client, products_with_images(client, 3, min_images=3))


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def caption_edits(images: pd.DataFrame, n: int, text: str = "Nový popisek {i}") -> pd.DataFrame:
    """One edit row per image for the first n images of each product."""
    rows = images.groupby("guid", sort=False).head(n)
    return rows[["guid", "gallery", "name"]].assign(
        description=[text.format(i=i) for i in range(len(rows))]
    )


def test_apply_changes_exactly_the_intended_images(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    edits = caption_edits(images, 2)
    untouched = images[~images["name"].isin(edits["name"])]
    before = edits.copy(deep=True)
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    client.sandbox.reset_stats()
    result = sn.apply(plan, progress=False)
    pd.testing.assert_frame_equal(edits, before)
    assert list(result.rows.columns) == list(RESULT_COLUMNS)
    assert result.rows.index.equals(edits.index)
    assert set(result.rows["status"]) == {"updated"}
    assert (result.rows["http_status"] == 200).all()
    assert result.rows["request_id"].notna().all()
    for row in edits.itertuples():
        assert server_image(client, row.guid, row.name)["description"] == row.description
    for row in untouched.itertuples():
        server = server_image(client, row.guid, row.name)
        assert server["description"] == (None if pd.isna(row.description) else row.description)
    # The minimum of calls: one PATCH and one conflict-check read per changed gallery.
    galleries = edits["guid"].nunique()
    assert calls(client, "PATCH", IMAGES) == galleries
    assert calls(client, "GET", IMAGES) == galleries
    stats = client.sandbox.stats()
    assert set(stats["writes"].values()) == {1}
    assert len(stats["writes"]) == len(edits)
    # Result.images are the galleries as the server returned them.
    assert list(result.images.columns) == list(IMAGE_COLUMNS)
    assert set(result.images["guid"]) == set(edits["guid"])
    merged = edits.merge(result.images, on=["guid", "gallery", "name"], suffixes=("", "_server"))
    assert (merged["description"] == merged["description_server"]).all()
    assert result.errors.empty
    assert list(result.errors.columns) == list(ERROR_COLUMNS)
    assert "updated: " in result._repr_html_()


def test_update_images_does_not_reread_what_its_plan_read(client: sn.ShoptetClient) -> None:
    guids = products_with_images(client, 2)
    images = read(client, guids)
    edits = caption_edits(images, 1)
    client.sandbox.reset_stats()
    result = sn.update_images(client, edits, progress=False)
    assert set(result.rows["status"]) == {"updated"}
    assert calls(client, "GET", IMAGES) == len(guids)  # the plan's read, nothing more
    assert calls(client, "PATCH", IMAGES) == len(guids)


def test_dry_run_writes_nothing(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    client.sandbox.reset_stats()
    result = sn.update_images(client, caption_edits(images, 1), dry_run=True, progress=False)
    assert result.dry_run
    assert set(result.rows["status"]) == {"would_update"}
    assert calls(client, "PATCH", IMAGES) == 0
    assert "Dry run" in result._repr_html_()


def test_conflict_is_caught_and_force_overwrites(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    edits = caption_edits(images, 2)
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    victim = edits.iloc[0]
    client.sandbox.set_image(victim["guid"], "shop", victim["name"], description="Kolega to změnil")
    result = sn.apply(plan, progress=False)
    statuses = result.rows["status"]
    assert statuses.iloc[0] == "conflict"
    assert "force=True" in result.rows["message"].iloc[0]
    assert set(statuses.iloc[1:]) == {"updated"}
    assert server_image(client, victim["guid"], victim["name"])["description"] == "Kolega to změnil"
    forced = sn.apply(plan, force=True, progress=False)
    assert forced.rows["status"].iloc[0] == "updated"
    assert (
        server_image(client, victim["guid"], victim["name"])["description"] == victim["description"]
    )
    assert set(forced.rows["status"].iloc[1:]) == {"unchanged"}  # already done: not rewritten


def test_rows_keep_plan_statuses(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    guid = images["guid"].iloc[0]
    edits = pd.DataFrame(
        {
            "guid": [guid, guid, guid],
            "name": [images["name"].iloc[0], "no.jpg", images["name"].iloc[1]],
            "priority": [7, 3, 0],
        }
    )
    result = sn.update_images(client, edits, progress=False)
    assert result.rows["status"].tolist() == ["updated", "not_found", "invalid"]
    assert "1-65535" in result.rows["message"].iloc[2]


def test_server_errors_in_a_200_map_to_their_rows(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    guid = images["guid"].iloc[0]
    real = images[images["guid"] == guid]["name"].tolist()[:2]
    # A base that claims an image the shop does not have, applied without the re-read, makes
    # the server answer 200 with an error item for it.
    fake = images[images["guid"] == guid].iloc[:1].assign(name="ghost.jpg")
    base = pd.concat([images, fake], ignore_index=True)
    edits = pd.DataFrame(
        {"guid": guid, "name": [real[0], "ghost.jpg", real[1]], "description": ["A", "B", "C"]}
    )
    plan = sn.plan_updates(client, edits, base=base, progress=False)
    result = run_plan(
        plan,
        on_error="continue",
        force=False,
        journal=False,
        progress=False,
        recheck=lambda key: False,
    )
    assert result.rows["status"].tolist() == ["updated", "not_found", "updated"]
    assert result.rows["error_code"].iloc[1] == "invalid-request-data"
    assert result.errors["instance"].tolist() == ["data.images[1].name"]
    assert result.errors["http_status"].tolist() == [200]


def test_failed_calls_and_on_error_stop(images: pd.DataFrame) -> None:
    client = sn.sandbox(
        seed=21, products=30, fault_weights={"500": 1.0}, settings={"max_attempts": 1}
    )
    edits = caption_edits(read(client, list(images["guid"].unique())), 1)
    plan = sn.plan_updates(client, edits, progress=False)
    client.sandbox.set_options(fault_rate=1.0)
    result = sn.apply(plan, progress=False)
    assert set(result.rows["status"]) == {"failed"}
    assert set(result.rows["http_status"]) == {500}
    assert result.rows["message"].str.contains("HTTP 500").all()
    assert len(result.errors) == len(edits)
    stopped = sn.apply(plan, on_error="stop", progress=False)
    counts = stopped.counts
    assert counts["failed"] >= 1
    assert counts["not_attempted"] >= 1
    assert counts["failed"] + counts["not_attempted"] == len(edits)
    assert (
        stopped.rows.loc[stopped.rows["status"] == "not_attempted", "message"]
        .str.contains("on_error='stop'")
        .all()
    )
    with pytest.raises(sn.ArgumentError, match="on_error"):
        sn.apply(plan, on_error="ignore")


def test_expired_token_stops_cleanly_and_a_new_token_resumes(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    edits = caption_edits(images, 2)
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    client.sandbox.expire_token("sandbox-token")
    result = sn.apply(plan, progress=False)
    assert set(result.rows["status"]) <= {"failed", "not_attempted"}
    assert (result.rows["error_code"] == "expired-token").any()
    assert result.rows["message"].notna().all()
    client.set_token("a-fresh-token")
    resumed = sn.apply(plan, progress=False)
    assert set(resumed.rows["status"]) == {"updated"}


def test_resume_writes_no_image_twice(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    edits = caption_edits(images, 3)
    half = edits.iloc[: len(edits) // 2]
    sn.update_images(client, half, progress=False)  # "the first run died half way"
    again = sn.update_images(client, edits, progress=False)
    assert again.counts["unchanged"] == len(half)
    assert again.counts["updated"] == len(edits) - len(half)
    assert set(client.sandbox.stats()["writes"].values()) == {1}


def test_journal_and_revert(
    client: sn.ShoptetClient, images: pd.DataFrame, journal_dir: Path
) -> None:
    edits = caption_edits(images, 2)
    edits["priority"] = range(500, 500 + len(edits))
    original = {(r.guid, r.name): (r.priority, r.description) for r in images.itertuples()}
    result = sn.update_images(client, edits, progress=False)
    (journal_file,) = journal_dir.glob("apply-*.jsonl")
    assert result.journal_path == journal_file
    lines = [json.loads(line) for line in journal_file.read_text().splitlines()]
    assert {line["event"] for line in lines} == {"intent", "result"}
    assert sum(len(line["images"]) for line in lines if line["event"] == "result") == len(edits)
    assert "sandbox-token" not in journal_file.read_text()
    # Someone edits one image again after the apply: revert must not undo their work.
    keep = edits.iloc[0]
    client.sandbox.set_image(keep["guid"], "shop", keep["name"], description="Ruční oprava")
    reverted = sn.revert(journal_file, client=client, progress=False)
    assert reverted.counts["conflict"] == 1
    assert reverted.counts["updated"] == len(edits) - 1
    for row in edits.iloc[1:].itertuples():
        server = server_image(client, row.guid, row.name)
        old_priority, old_description = original[(row.guid, row.name)]
        assert server["description"] == ("" if pd.isna(old_description) else old_description)
        if not pd.isna(old_priority):
            assert server["priority"] == old_priority
    assert server_image(client, keep["guid"], keep["name"])["description"] == "Ruční oprava"
    with pytest.raises(sn.ArgumentError, match="client"):
        sn.revert(journal_file)


def test_revert_from_result_object(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    edits = caption_edits(images, 1)
    result = sn.update_images(client, edits, journal=False, progress=False)
    assert result.journal_path is None
    assert result.journal_entries
    back = sn.revert(result, progress=False)
    assert set(back.rows["status"]) == {"updated"}
    for row in images.groupby("guid").head(1).itertuples():
        expected = "" if pd.isna(row.description) else row.description
        assert server_image(client, row.guid, row.name)["description"] == expected


def test_progress_callback_counts_galleries(client: sn.ShoptetClient, images: pd.DataFrame) -> None:
    seen: list[tuple[int, int]] = []
    edits = caption_edits(images, 1)
    sn.update_images(client, edits, progress=lambda done, total: seen.append((done, total)))
    galleries = edits["guid"].nunique()
    assert seen == [(i, galleries) for i in range(galleries + 1)]


# -- a plan sent in parts (the caption worklist's save) --------------------------------------------


def test_apply_appends_to_an_existing_journal_and_revert_undoes_both_runs(
    client: sn.ShoptetClient, images: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "one-save.jsonl"
    before = {(r.guid, r.name): r.description for r in images.itertuples()}
    edits = caption_edits(images, 2)
    first, second = edits.iloc[:2], edits.iloc[2:]
    for part in (first, second):
        plan = sn.plan_updates(client, part, base=images, progress=False)
        assert sn.apply(plan, journal=path, progress=False).counts["updated"] == len(part)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    intents = {(e["guid"], i["name"]) for e in lines if e["event"] == "intent" for i in e["images"]}
    assert intents == set(zip(edits["guid"], edits["name"], strict=True))
    sn.revert(path, client=client, progress=False)
    for guid, name in intents:
        assert server_image(client, guid, name)["description"] == (before[(guid, name)] or "")


def test_split_plan_cuts_by_gallery_and_keeps_every_row(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    edits = caption_edits(images, 2)
    bad = pd.DataFrame([{"guid": "not-a-guid", "gallery": "shop", "name": "x.jpg"}])
    edits = pd.concat([edits, bad.assign(description="x")], ignore_index=True)
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    parts = split_plan(plan, 2)
    assert [len({*zip(p.targets["guid"], p.targets["gallery"], strict=True)}) for p in parts] == [
        2,
        1,
    ]
    # Every row once, each with its gallery's part; the invalid row (no gallery) in the first.
    combined = pd.concat([p.rows for p in parts])
    assert sorted(combined.index) == sorted(plan.rows.index)
    assert "not-a-guid" in set(parts[0].rows["guid"])
    for part in parts:
        sent = set(part.targets["guid"])
        assert set(part.rows.loc[part.rows["status"] == "would_update", "guid"]) == sent
        assert set(part.base["guid"]) <= sent
        assert part.wanted is not None
        assert len(part.wanted) == len(part.rows)
    (whole,) = split_plan(plan, 3)
    assert whole is plan
    with pytest.raises(sn.ArgumentError):
        split_plan(plan, 0)


def test_combine_results_of_the_parts_is_one_result_revert_undoes(
    client: sn.ShoptetClient, images: pd.DataFrame
) -> None:
    before = {(r.guid, r.name): r.description for r in images.itertuples()}
    edits = caption_edits(images, 2)
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    parts = split_plan(plan, 1)
    assert len(parts) == 3
    done = [sn.apply(part, journal=False, progress=False) for part in parts[:2]]
    rest = unsent_result(parts[2], "not attempted: stopped before this part")
    whole = combine_results([*done, rest], plan=plan)
    assert whole.plan is plan
    assert whole.rows.index.equals(plan.rows.index)
    assert list(whole.rows.columns) == list(RESULT_COLUMNS)
    last = set(parts[2].targets["guid"])
    expected = ["not_attempted" if g in last else "updated" for g in whole.rows["guid"]]
    assert list(whole.rows["status"]) == expected
    assert len(whole.journal_entries) == sum(len(r.journal_entries) for r in done)
    assert set(whole.images["guid"]) == set(images["guid"]) - last
    assert whole.images.index.equals(pd.RangeIndex(len(whole.images)))
    sn.revert(whole, progress=False)
    for guid, name in zip(edits["guid"], edits["name"], strict=True):
        assert server_image(client, guid, name)["description"] == (before[(guid, name)] or "")
    with pytest.raises(sn.ArgumentError):
        combine_results([])
