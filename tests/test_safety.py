"""Data safety across languages, stale frames, broken text, lost answers and revert (issue 12).

Each test reproduces, through the public API against the sandbox, a way the package once wrote
what the user did not mean or said something untrue about a row; the sandbox's own state is
the oracle.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.errors import FrameError
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop

from helpers import IMAGES, calls, products_with_images, read, server_image


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=31, products=30)


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def captions(client: sn.ShoptetClient, guid: str, language: str | None = None) -> dict[str, str]:
    return {
        image["name"]: image["description"]
        for image in client.sandbox.images(guid, "shop", language=language)
    }


# -- defect 2: frames carry their language ---------------------------------------------------


def test_a_frame_read_in_another_language_writes_only_that_language(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    czech = captions(client, guid)
    slovak = read(client, [guid], language="sk")
    assert set(slovak["language"]) == {"sk"}
    assert read(client, [guid])["language"].isna().all()  # the shop's default: <NA>

    edited = slovak.assign(description=[f"Slovenský popis {i}" for i in range(len(slovak))])
    result = sn.update_images(client, edited, progress=False)

    assert result.counts["updated"] == len(edited), result.counts
    assert set(result.rows["language"]) == {"sk"}
    assert captions(client, guid) == czech  # the default language is untouched
    assert captions(client, guid, "sk") == dict(
        zip(edited["name"], edited["description"], strict=True)
    )
    assert set(result.images["language"]) == {"sk"}

    undone = sn.revert(result, progress=False)  # the journal carries the language too
    assert undone.counts["updated"] == len(edited), undone.counts
    before = slovak["description"].fillna("")  # a null caption comes back as "" (documented)
    assert captions(client, guid, "sk") == dict(zip(slovak["name"], before, strict=True))
    assert captions(client, guid) == czech


def test_a_base_in_another_language_than_the_edits_is_refused_before_any_request(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=2)[0]
    czech = read(client, [guid])
    slovak = read(client, [guid], language="sk")
    edited = slovak.assign(description="Slovenský popis")
    client.sandbox.reset_stats()
    with pytest.raises(FrameError, match="language"):
        sn.plan_updates(client, edited, base=czech, progress=False)
    with pytest.raises(FrameError, match="language"):
        sn.plan_updates(client, czech.assign(description="Český"), base=slovak, progress=False)
    assert client.sandbox.stats()["requests"] == {}


# -- defect 3: one photo, one key; shared fields agree across languages ----------------------


def test_the_default_languages_name_and_none_are_one_key(client: sn.ShoptetClient) -> None:
    guid = products_with_images(client, 1, min_images=2)[0]
    assert client.default_language() == "cs"
    assert read(client, [guid], language="cs")["language"].isna().all()
    name = read(client, [guid])["name"].iloc[0]
    edits = pd.DataFrame(
        {
            "guid": [guid, guid],
            "name": [name, name],
            "language": [None, "cs"],  # cs is the sandbox's default language
            "description": ["První", "Druhý"],
        }
    )
    client.sandbox.reset_stats()
    result = sn.update_images(client, edits, progress=False)
    assert list(result.rows["status"]) == ["invalid", "invalid"], result.rows
    assert result.rows["message"].str.contains("same image").all()
    assert calls(client, "PATCH", IMAGES) == 0

    agreeing = edits.assign(description="Stejný")
    result = sn.update_images(client, agreeing, progress=False)
    assert result.counts["updated"] == 2, result.rows
    assert calls(client, "PATCH", IMAGES) == 1  # one image, one write
    assert server_image(client, guid, name)["description"] == "Stejný"


def test_rows_giving_one_photo_two_priorities_in_two_languages_are_invalid(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=2)[0]
    name = read(client, [guid])["name"].iloc[0]
    edits = pd.DataFrame(
        {"guid": [guid, guid], "name": [name, name], "language": [None, "sk"], "priority": [3, 7]}
    )
    client.sandbox.reset_stats()
    result = sn.update_images(client, edits, progress=False)
    assert list(result.rows["status"]) == ["invalid", "invalid"], result.rows
    assert result.rows["message"].str.contains("priority").all()
    assert result.rows["message"].str.contains("languages").all()
    assert calls(client, "PATCH", IMAGES) == 0


# -- defect 5: a frame with change_time is its own base --------------------------------------


def test_a_whole_frame_written_back_does_not_undo_a_colleagues_later_change(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    images = read(client, [guid])
    numbered = images[images["priority"].notna()]
    last, old_priority = numbered["name"].iloc[-1], int(numbered["priority"].iloc[-1])
    moved_to = old_priority - 1 if old_priority > 1 else old_priority + 1
    client.sandbox.set_image(guid, "shop", last, priority=moved_to)  # a colleague moves it
    first = images["name"].iloc[0]
    edited = images.copy()
    edited.loc[edited["name"] == first, "description"] = "Můj nový popisek"

    plan = sn.plan_updates(client, edited, progress=False)
    by_name = plan.rows.set_index("name")
    assert by_name.loc[first, "status"] == "would_update"
    assert by_name.loc[last, "status"] == "conflict"
    assert "priority" in by_name.loc[last, "reason"]
    assert "changeTime" in by_name.loc[last, "reason"] or "changed" in by_name.loc[last, "reason"]

    result = sn.apply(plan, progress=False)
    assert server_image(client, guid, last)["priority"] == moved_to  # the colleague's move stays
    assert server_image(client, guid, first)["description"] == "Můj nový popisek"
    assert result.rows.set_index("name").loc[last, "status"] == "conflict"


# -- defect 6: text that cannot be sent ------------------------------------------------------


def test_a_lone_surrogate_is_invalid_and_the_gallerys_other_rows_go_through(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=4)[0]
    names = list(read(client, [guid])["name"].iloc[:4])
    edits = pd.DataFrame(
        {"guid": guid, "name": names, "description": ["bad\ud800", "Dobrý 1", "Dobrý 2", "Dobrý 3"]}
    )
    plan = sn.plan_updates(client, edits, progress=False)
    assert plan.rows["status"].tolist() == ["invalid", *["would_update"] * 3]
    assert "U+D800" in plan.rows["reason"].iloc[0]
    result = sn.apply(plan, progress=False)
    assert result.rows["status"].tolist() == ["invalid", *["updated"] * 3]
    for name, text in zip(names[1:], ["Dobrý 1", "Dobrý 2", "Dobrý 3"], strict=True):
        assert server_image(client, guid, name)["description"] == text


# -- smaller: base gaps, truthful "unchanged", lost answers, Result.images -------------------


def test_a_base_lacking_a_photo_reads_it_instead_of_calling_it_not_found(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    images = read(client, [guid])
    name = images["name"].iloc[-1]
    partial = images[images["name"] != name]
    edits = pd.DataFrame({"guid": [guid], "name": [name], "description": ["Nalezeno"]})
    plan = sn.plan_updates(client, edits, base=partial, progress=False)
    assert plan.rows["status"].tolist() == ["would_update"], plan.rows["reason"].tolist()
    assert not plan.fresh_keys  # its gallery mixes base rows: apply re-reads it before writing
    result = sn.apply(plan, progress=False)
    assert result.rows["status"].tolist() == ["updated"]
    assert server_image(client, guid, name)["description"] == "Nalezeno"


def test_a_row_planned_unchanged_says_the_truth_after_a_colleague_changed_the_photo(
    client: sn.ShoptetClient,
) -> None:
    first, second = products_with_images(client, 2, min_images=2)
    images = read(client, [first, second])
    captioned = images[images["description"].notna()].groupby("guid").head(1)
    kept = {row.guid: (row.name, row.description) for row in captioned.itertuples()}
    written = images[(images["guid"] == first) & (images["name"] != kept[first][0])]
    edits = pd.DataFrame(
        {
            "guid": [first, first, second],
            "name": [kept[first][0], written["name"].iloc[0], kept[second][0]],
            "description": [kept[first][1], "Nový popisek", kept[second][1]],
        }
    )
    plan = sn.plan_updates(client, edits, base=images, progress=False)
    assert plan.rows["status"].tolist() == ["unchanged", "would_update", "unchanged"]
    for guid, (name, _) in kept.items():  # a colleague edits both photos after the plan
        client.sandbox.set_image(guid, "shop", name, description="Kolegův popisek")

    result = sn.apply(plan, progress=False)
    rows = result.rows
    # Its gallery was written, so apply saw the colleague's change: not overwritten, and said.
    assert rows["status"].iloc[0] == "conflict", rows.iloc[0].to_dict()
    assert "changed" in rows["message"].iloc[0]
    assert rows["status"].iloc[1] == "updated"
    # Not read again: it does not claim the photo still has these values.
    assert rows["status"].iloc[2] == "unchanged"
    assert "already has" not in rows["message"].iloc[2]
    assert "when the plan" in rows["message"].iloc[2]
    for guid, (name, _) in kept.items():
        assert server_image(client, guid, name)["description"] == "Kolegův popisek"


class LostAnswers(httpx.BaseTransport):
    """Every PATCH is processed by the shop (``land``) or not, and its answer never arrives;
    with ``blind`` the reads after the first PATCH fail too."""

    def __init__(self, shop: SandboxShop, *, land: bool, blind: bool = False) -> None:
        self.inner = shop.transport()
        self.land, self.blind = land, blind
        self.patches = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self.patches += 1
            if self.land:
                self.inner.handle_request(request)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        if self.blind and self.patches:
            raise httpx.ConnectError("the network is down", request=request)
        return self.inner.handle_request(request)


@pytest.mark.parametrize(
    ("land", "blind", "status", "said"),
    [
        (True, False, "updated", "afterwards shows the new values"),
        (False, False, "failed", "does not show"),
        (True, True, "failed", "may have landed"),
    ],
)
def test_a_write_whose_answers_were_lost_is_checked_by_reading_the_gallery(
    land: bool, blind: bool, status: str, said: str
) -> None:
    shop = SandboxShop(SandboxOptions(seed=31, products=30))
    transport = LostAnswers(shop, land=land, blind=blind)
    client = sn.connect(
        "sandbox-token",
        base_url=SANDBOX_BASE_URL,
        transport=transport,
        max_attempts=2,
        backoff_base=0.01,
    )
    client.sandbox = shop
    guid = products_with_images(client, 1, min_images=2)[0]
    names = list(read(client, [guid])["name"].iloc[:2])
    edits = pd.DataFrame({"guid": guid, "name": names, "description": ["Ztracený 1", "Ztracený 2"]})
    result = sn.update_images(client, edits, progress=False)
    assert transport.patches == 2  # both attempts sent, both answers lost
    assert result.rows["status"].tolist() == [status, status], result.rows["message"].tolist()
    assert result.rows["message"].str.contains(said).all(), result.rows["message"].tolist()
    landed = [server_image(client, guid, name)["description"] for name in names]
    assert (landed == ["Ztracený 1", "Ztracený 2"]) == land


@pytest.mark.parametrize("patch_returns", ["gallery", "items"])
def test_result_images_hold_every_call_of_a_gallery_sent_in_several(patch_returns: str) -> None:
    client = sn.sandbox(
        seed=31, products=30, patch_returns=patch_returns, settings={"max_images_per_call": 2}
    )
    guid = products_with_images(client, 1, min_images=5)[0]
    images = read(client, [guid])
    names = list(images["name"].iloc[:5])
    edits = pd.DataFrame({"guid": guid, "name": names, "description": "Po částech"})
    client.sandbox.reset_stats()
    result = sn.update_images(client, edits, base=images, progress=False)
    assert calls(client, "PATCH", IMAGES) == 3
    assert result.counts["updated"] == 5
    shown = result.images.set_index("name")
    assert shown.index.is_unique
    expected = names if patch_returns == "items" else list(images["name"])
    assert sorted(shown.index) == sorted(expected)
    assert (shown.loc[names, "description"] == "Po částech").all()
    # The shop's current state, in its order.
    now = client.sandbox.images(guid, "shop")
    order = [image["name"] for image in now if image["name"] in set(expected)]
    assert list(result.images["name"]) == order


# -- defect 4: revert restores the order, and says what it could not restore ------------------


def shop_order(client: sn.ShoptetClient, guid: str) -> list[str]:
    return [image["name"] for image in client.sandbox.images(guid, "shop")]


def gallery_with_a_blank_priority(client: sn.ShoptetClient) -> tuple[str, str]:
    """A product whose shop gallery has a photo without priority, not its main image."""
    for product in client.sandbox.products():
        images = client.sandbox.images(product["guid"], "shop")
        blank = [i["name"] for i in images if i["priority"] is None and not i["isMainImage"]]
        if len(images) >= 3 and blank:
            return product["guid"], blank[0]
    raise AssertionError("the sandbox catalogue has no gallery with a blank priority")


def test_revert_restores_the_order_when_a_moved_photo_had_no_priority(
    client: sn.ShoptetClient,
) -> None:
    guid, blank = gallery_with_a_blank_priority(client)
    images = read(client, [guid])
    order_before = shop_order(client, guid)
    main_before = images.loc[images["is_main_image"].astype(bool), "name"].iloc[0]
    moved = sn.move_to_front(images, guid, blank)
    applied = sn.update_images(client, moved, base=images, progress=False)
    assert applied.counts["updated"] >= 1
    assert shop_order(client, guid)[0] == blank

    undone = sn.revert(applied, progress=False)

    assert shop_order(client, guid) == order_before
    now = {i["name"]: i for i in client.sandbox.images(guid, "shop")}
    assert now[main_before]["isMainImage"]
    row = undone.rows[undone.rows["name"] == blank].iloc[0]
    assert row["status"] == "failed", row.to_dict()
    assert "cannot clear" in row["message"]
    assert not (undone.rows["message"].fillna("").str.contains("already has these values")).any()


def test_revert_restores_exact_priorities_when_every_one_was_known(
    client: sn.ShoptetClient,
) -> None:
    guid = products_with_images(client, 1, min_images=4)[0]
    images = read(client, [guid])
    numbered = images[images["priority"].notna()]
    before = dict(zip(numbered["name"], numbered["priority"], strict=True))
    applied = sn.update_images(client, sn.renumber(images, start=1, step=10), progress=False)
    assert applied.counts["updated"] >= 1
    undone = sn.revert(applied, progress=False)
    assert undone.counts["failed"] == 0, undone.rows
    for name, priority in before.items():
        assert server_image(client, guid, name)["priority"] == priority
