"""``EditSession``: the editor without a screen. Reads and writes go through the functions handed
to it (fakes here, wrapping the real ones where the sandbox should see the calls)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.editing import EditSession
from shoptet_nb.editing.loading import ReadProblem

from helpers import calls, products_with_images, read, server_image

PATCH = "/api/products/{guid}/images/{gallery}"


@pytest.fixture
def client() -> Any:
    return sn.sandbox(seed=3, products=12, limits=False)


class Reads:
    """A read function that counts its calls and can fail (whole, or for one product)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.away = False
        self.failing: set[str] = set()

    def __call__(self, client: Any, guids: list[str], **kwargs: Any) -> pd.DataFrame:
        self.calls.append(list(guids))
        if self.away:
            raise sn.NetworkError("the shop is away")
        frame = sn.read_images(client, [g for g in guids if g not in self.failing], **kwargs)
        frame.attrs["read_errors"] = [
            {"guid": g, "gallery": None, "message": "boom"} for g in self.failing if g in guids
        ]
        return frame


class Applies:
    """An apply that records each plan and runs ``before(number)`` first (the real apply after)."""

    def __init__(self, before: Any = None) -> None:
        self.plans: list[Any] = []
        self.before = before or (lambda number: None)

    def __call__(self, plan: Any, **kwargs: Any) -> Any:
        self.plans.append(plan)
        self.before(len(self.plans))
        return sn.apply(plan, **kwargs)


def caption_every_product(session: EditSession, guids: list[str], text: str = "New") -> None:
    for i, guid in enumerate(guids):
        first = session.model.order(guid, "shop")[0]
        session.model.set_caption(guid, "shop", first, f"{text} {i}")


def test_load_takes_whole_galleries_from_the_frame_and_reads_the_rest(client: Any) -> None:
    guids = products_with_images(client, 3)
    images = read(client, guids[:2])
    reads = Reads()
    session = EditSession(client, journal=False, read=reads)
    problems = session.load([(g, "shop") for g in guids], frame=images)
    assert problems == []
    assert reads.calls == [[guids[2]]]  # the frame held the first two whole
    assert all(session.model.has(g, "shop") for g in guids)
    named = images.drop_duplicates("guid").set_index("guid")["product_name"]
    assert {g: session.product_names[g] for g in guids[:2]} == {g: named[g] for g in guids[:2]}


@pytest.mark.parametrize("partial", ["read", "keep"])
def test_a_frame_holding_some_photos_is_read_whole_or_kept(client: Any, partial: str) -> None:
    guid = products_with_images(client, 1, min_images=3)[0]
    some = read(client, [guid]).head(2)
    reads = Reads()
    session = EditSession(client, journal=False, read=reads)
    session.load([(guid, "shop")], frame=some, partial=partial)  # type: ignore[arg-type]
    whole = len(client.sandbox.images(guid, "shop"))
    assert len(session.model.names(guid, "shop")) == (whole if partial == "read" else 2)
    assert len(reads.calls) == (1 if partial == "read" else 0)


def test_read_problems_are_returned_and_a_failed_gallery_keeps_what_was_held(client: Any) -> None:
    first, second = products_with_images(client, 2)
    reads = Reads()
    session = EditSession(client, journal=False, read=reads)
    session.load([(first, "shop"), (second, "shop")])
    name = session.model.order(first, "shop")[0]
    session.model.set_caption(first, "shop", name, "kept")
    reads.failing = {first}
    problems = session.reread([(first, "shop"), (second, "shop")])
    assert [(p.guid, str(p)) for p in problems] == [
        (first, f"Could not read product {first}: boom")
    ]
    assert problems[0].concerns((first, "shop", name))
    assert session.model.caption(first, "shop", name) == "kept"
    reads.away = True
    (whole,) = session.reread([(first, "shop")])
    assert whole == ReadProblem(None, None, "the shop is away", whole.error)
    assert isinstance(whole.error, sn.NetworkError)
    assert str(whole).startswith("Could not read the galleries from the shop: the shop is away")


def test_plan_sends_nothing_and_save_writes_the_edits(client: Any) -> None:
    guids = products_with_images(client, 2)
    session = EditSession(client, journal=False)
    session.load([(g, "shop") for g in guids])
    assert session.save() is None  # nothing pending
    caption_every_product(session, guids)
    last = session.model.order(guids[0], "shop")[-1]
    session.model.move(guids[0], "shop", last, 1)
    plan = session.plan()
    assert calls(client, "PATCH", PATCH) == 0
    assert session.last_plan is plan
    assert set(plan.rows["guid"]) == set(guids)
    result = session.save()
    assert result is not None
    assert session.result is result
    assert result.counts["updated"] == len(result.rows)
    assert session.model.pending_count == 0
    assert session.model.order(guids[0], "shop")[0] == last
    assert server_image(client, guids[1], session.model.order(guids[1], "shop")[0])[
        "description"
    ] == ("New 1")


def test_a_save_in_parts_tells_each_part_and_the_progress(client: Any) -> None:
    guids = products_with_images(client, 5)
    applies = Applies()
    session = EditSession(client, journal=False, apply=applies, save_batch=2)
    session.load([(g, "shop") for g in guids])
    caption_every_product(session, guids)
    started: list[tuple[int, int]] = []
    parts: list[Any] = []
    progress: list[tuple[int, int]] = []
    result = session.save(
        on_part=parts.append,
        on_start=lambda n, of: started.append((n, of)),
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert result is not None
    assert started == [(1, 3), (2, 3), (3, 3)]
    assert [len(p.rows) for p in parts] == [2, 2, 1]
    assert [len(plan.rows) for plan in applies.plans] == [2, 2, 1]
    assert progress[-1] == (5, 5)
    assert len(result.rows) == 5
    assert result.counts["updated"] == 5


def test_an_error_in_part_two_records_part_one_and_says_where(client: Any) -> None:
    guids = products_with_images(client, 5)

    def fail_two(number: int) -> None:
        if number == 2:
            raise sn.NetworkError("connection refused")

    session = EditSession(client, journal=False, apply=Applies(fail_two), save_batch=2)
    session.load([(g, "shop") for g in guids])
    caption_every_product(session, guids)
    with pytest.raises(sn.NetworkError):
        session.save()
    stop = session.last_stop
    assert stop is not None
    assert (stop.part, stop.parts) == (2, 3)
    assert session.result is stop.result
    # Part 2 failed inside apply: whether it was sent is unknown ("failed"); part 3 was not.
    statuses = ["updated"] * 2 + ["failed"] * 2 + ["not_attempted"]
    assert list(stop.result.rows["status"]) == statuses
    assert session.model.pending_count == 3  # the unsent edits stay pending


def test_an_interrupt_in_part_two_raises_interrupted_with_the_whole_save(client: Any) -> None:
    guids = products_with_images(client, 5)

    def interrupt_two(number: int) -> None:
        if number == 2:
            raise KeyboardInterrupt

    session = EditSession(client, journal=False, apply=Applies(interrupt_two), save_batch=2)
    session.load([(g, "shop") for g in guids])
    caption_every_product(session, guids)
    with pytest.raises(sn.Interrupted) as caught:
        session.save()
    assert "part 2 of 3" in str(caught.value)
    assert session.result is caught.value.result
    assert caught.value.result.counts["updated"] == 2
    assert session.model.pending_count == 3


def test_after_a_save_only_the_uncertain_galleries_are_read_again(client: Any) -> None:
    guids = products_with_images(client, 3)
    reads = Reads()
    session = EditSession(client, journal=False, read=reads)
    session.load([(g, "shop") for g in guids])
    caption_every_product(session, guids, "Mine")
    # A colleague changes the first product's photo meanwhile: a conflict at save time.
    first = session.model.order(guids[0], "shop")[0]
    client.sandbox.set_image(guids[0], "shop", first, description="Theirs")
    reads.calls.clear()
    result = session.save()
    assert result is not None
    assert result.counts["conflict"] == 1
    assert reads.calls == [[guids[0]]]
    assert session.model.shop_caption(guids[0], "shop", first) == "Theirs"
    reads.calls.clear()
    session.model.keep_mine(guids[0], "shop", first)
    session.save(reread="all")
    assert reads.calls == [[guids[0]]]  # every gallery of that save


def test_a_session_edits_its_language(client: Any) -> None:
    guid = products_with_images(client, 1)[0]
    session = EditSession(client, language="sk", journal=False)
    session.load([(guid, "shop")])
    name = session.model.order(guid, "shop")[0]
    session.model.set_caption(guid, "shop", name, "Slovenský popis")
    assert session.plan().rows["language"].tolist() == ["sk"]
    default = read(client, [guid])
    with pytest.raises(sn.FrameError, match="language"):
        EditSession(client, language="sk").load([(guid, "shop")], frame=default)


def test_the_journal_of_a_save_in_parts_is_one_file(client: Any, tmp_path: Path) -> None:
    guids = products_with_images(client, 3)
    journal = tmp_path / "save.jsonl"
    session = EditSession(client, journal=journal, save_batch=1)
    session.load([(g, "shop") for g in guids])
    caption_every_product(session, guids)
    result = session.save()
    assert result is not None
    assert result.journal_path == journal
    sn.revert(result, progress=False)
    assert all(
        server_image(client, g, session.model.order(g, "shop")[0])["description"] != f"New {i}"
        for i, g in enumerate(guids)
    )
