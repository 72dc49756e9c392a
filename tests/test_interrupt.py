"""An interrupt (a real SIGINT, what Jupyter's "Interrupt kernel" sends) during a threaded run.

The run is judged by the sandbox (the oracle): the PATCHes it received after the interrupt, the
galleries whose captions or order changed, and whether ``revert(journal_path)`` restores them.
The interrupter holds one answer at a gate before it sends the signal, so the signal always
lands while the run is still going (never in pytest's own code).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb._limits import Cancelled, TokenLimiter
from shoptet_nb.apply import RESULT_STATUSES
from shoptet_nb.journal import Journal, read_journal
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_interrupt import (  # noqa: E402  (shared with the benchmark)
    GatedTransport,
    changed,
    gallery_edits,
    gallery_state,
    image_reads,
    interrupting,
    journaled,
    patches,
    prepare,
    wait_for_workers,
)

GALLERIES = 30


@pytest.fixture
def gated() -> Iterator[tuple[sn.ShoptetClient, SandboxShop, GatedTransport]]:
    """A client whose answers can be held, on an in-process sandbox with latency (threads)."""
    shop = SandboxShop(SandboxOptions(seed=12, products=70, latency_ms=20))
    gate = GatedTransport(shop.transport())
    client = sn.connect("interrupt-token", base_url=SANDBOX_BASE_URL, transport=gate)
    client.sandbox = shop
    try:
        yield client, shop, gate
    finally:
        gate.open()
        wait_for_workers()
        client.close()


def _statuses_are_complete(result: Any, edits: pd.DataFrame) -> None:
    assert isinstance(result, sn.Result)
    assert len(result.rows) == len(edits)
    assert result.rows["status"].notna().all()
    assert set(result.rows["status"]) <= set(RESULT_STATUSES)
    assert sum(result.counts.values()) == len(edits)


def _updated_rows_hold_their_values(result: Any, shop: SandboxShop) -> None:
    updated = result.rows[result.rows["status"] == "updated"]
    assert len(updated) > 0, result.counts
    for row in updated.itertuples():
        image = next(i for i in shop.images(row.guid, "shop") if i["name"] == row.name)
        assert image["description"] == row.new_description


def _interrupt_an_apply(
    gated: tuple[sn.ShoptetClient, SandboxShop, GatedTransport], tmp_path: Path, **kwargs: Any
) -> tuple[pd.DataFrame, Any, Path, Any, Any]:
    """Apply GALLERIES galleries, interrupted as ``kwargs`` say; what the test then judges."""
    client, shop, gate = gated
    edits, before, plan = prepare(client, GALLERIES)
    journal = tmp_path / "apply.jsonl"
    with (
        interrupting(shop, gate, **kwargs) as interrupter,
        pytest.raises(sn.Interrupted) as caught,
    ):
        sn.apply(plan, progress=False, journal=journal)
    return edits, before, journal, caught, interrupter


def test_an_interrupt_stops_the_apply_and_the_journal_undoes_what_landed(
    gated: tuple[sn.ShoptetClient, SandboxShop, GatedTransport], tmp_path: Path
) -> None:
    client, shop, gate = gated
    edits, before, journal, caught, interrupter = _interrupt_an_apply(gated, tmp_path, at=8)
    # The calls in flight were waited for: none is still running.
    assert gate.in_flight == 0
    assert interrupter.done.at_patches is not None
    assert patches(shop) - interrupter.done.at_patches <= 3  # only the calls in flight
    assert isinstance(caught.value, KeyboardInterrupt)

    result = caught.value.result
    _statuses_are_complete(result, edits)
    assert result.journal_path == journal
    counts = result.counts
    assert counts["not_attempted"] > 0, counts
    assert counts["failed"] == 0, counts  # every call in flight was waited for
    _updated_rows_hold_their_values(result, shop)
    waiting = result.rows[result.rows["status"] == "not_attempted"]
    assert waiting["message"].str.contains("interrupted").all()
    assert waiting["message"].str.contains("apply the same plan again").all()
    message = str(caught.value)
    assert "galleries written" in message
    assert "not attempted" in message
    assert str(journal) in message
    assert "revert(journal_path, client=client)" in message
    assert "\n" not in message

    landed = changed(shop, before)
    assert landed, "the interrupt fell before any gallery changed"
    assert landed <= journaled(journal)
    sn.revert(journal, client=client, progress=False, journal=False)
    assert changed(shop, before) == set()


def test_a_second_interrupt_returns_at_once_and_nothing_escapes_the_journal(
    gated: tuple[sn.ShoptetClient, SandboxShop, GatedTransport], tmp_path: Path
) -> None:
    client, shop, gate = gated
    edits, before, journal, caught, interrupter = _interrupt_an_apply(
        gated, tmp_path, at=10, double=True, release=False
    )
    # Control is back while the held call is still in flight (the gate is still closed)...
    assert gate.in_flight > 0
    result = caught.value.result
    _statuses_are_complete(result, edits)
    in_doubt = result.rows[result.rows["message"].fillna("").str.contains("may have landed")]
    assert len(in_doubt) > 0, result.counts
    assert (in_doubt["status"] == "failed").all(), result.counts
    # ...and the journal already has a line for every gallery that reached the shop.
    assert changed(shop, before) <= journaled(journal)
    sent_now = {key.split("/")[0] for key in shop.stats()["writes"]}
    assert sent_now <= journaled(journal)

    gate.open()
    assert wait_for_workers()
    assert interrupter.done.at_patches is not None
    assert patches(shop) - interrupter.done.at_patches <= 3
    # The held call's answer came after control returned: still journaled (file still open).
    results = {e["guid"] for e in read_journal(journal) if e.get("event") == "result"}
    assert set(in_doubt["guid"]) <= results
    landed = changed(shop, before)
    assert landed <= journaled(journal)
    sn.revert(journal, client=client, progress=False, journal=False)
    assert changed(shop, before) == set()


def test_an_interrupt_stops_read_images_and_keeps_the_frame_read_so_far(
    gated: tuple[sn.ShoptetClient, SandboxShop, GatedTransport],
) -> None:
    client, shop, gate = gated
    guids = [p["guid"] for p in shop.products()]

    with (
        interrupting(shop, gate, at=12, count=image_reads) as interrupter,
        pytest.raises(sn.Interrupted) as caught,
    ):
        sn.read_images(client, guids, progress=False)
    assert gate.in_flight == 0
    assert interrupter.done.counted is not None
    assert image_reads(shop) - interrupter.done.counted <= 3  # only the calls in flight

    frame = caught.value.result
    assert isinstance(frame, pd.DataFrame)
    read = list(dict.fromkeys(frame["guid"]))
    assert 0 < len(read) < len(guids)
    for guid in read:
        names = list(frame.loc[frame["guid"] == guid, "name"])
        assert names == [i["name"] for i in shop.images(guid, "shop")]
    assert f"of {len(guids)} galleries" in str(caught.value)


def test_an_interrupt_while_planning_sends_nothing(
    gated: tuple[sn.ShoptetClient, SandboxShop, GatedTransport], tmp_path: Path
) -> None:
    client, shop, gate = gated
    edits = gallery_edits(shop, GALLERIES)
    with (
        interrupting(shop, gate, at=5, count=image_reads),
        pytest.raises(sn.Interrupted) as caught,
    ):
        sn.update_images(client, edits, progress=False, journal=tmp_path / "j.jsonl")
    assert caught.value.result is None
    assert "nothing was written" in str(caught.value)
    wait_for_workers()
    assert patches(shop) == 0
    assert not (tmp_path / "j.jsonl").exists()


def test_map_cancels_queued_work_when_its_caller_stops() -> None:
    client = sn.sandbox(seed=3, products=5, latency_ms=5)
    started: list[int] = []
    running: list[int] = []  # items inside work() right now

    def work(n: int) -> int:
        started.append(n)
        running.append(n)
        try:
            client.list_images_envelope(client.sandbox.products()[0]["guid"])
        finally:
            running.remove(n)
        return n

    outcomes = client.map(work, range(100))
    first = next(outcomes)
    outcomes.close()  # what an interrupt in the caller's loop does
    assert first[1] == first[0]
    assert running == []  # the calls in flight were waited for
    assert len(started) <= 1 + 3 + 3  # the first, those in flight, those between


def test_a_journal_holding_only_intent_lines_still_reverts(tmp_path: Path) -> None:
    """A run stopped before any answer was journaled (every change time unknown) reverts."""
    client = sn.sandbox(seed=13, products=20)
    shop = client.sandbox
    edits = gallery_edits(shop, 4)
    before = gallery_state(shop, list(dict.fromkeys(edits["guid"])))
    full = tmp_path / "full.jsonl"
    sn.update_images(client, edits, progress=False, journal=full)
    assert changed(shop, before)
    intents = [line for line in full.read_text(encoding="utf-8").splitlines() if '"intent"' in line]
    cut = tmp_path / "intents-only.jsonl"
    cut.write_text("\n".join(intents) + "\n", encoding="utf-8")
    sn.revert(cut, client=client, progress=False, journal=False)
    assert changed(shop, before) == set()


def test_an_interrupt_of_a_run_without_threads_keeps_the_call_it_cut_in_the_journal(
    tmp_path: Path,
) -> None:
    """max_in_flight=1: the interrupt lands in the caller's own request, after the PATCH landed."""
    shop = SandboxShop(SandboxOptions(seed=14, products=40, latency_ms=5))
    gate = GatedTransport(shop.transport())
    client = sn.connect("serial-token", base_url=SANDBOX_BASE_URL, transport=gate, max_in_flight=1)
    client.sandbox = shop
    edits, before, plan = prepare(client, 12)
    journal = tmp_path / "serial.jsonl"
    try:
        with (
            interrupting(shop, gate, at=4) as interrupter,
            pytest.raises(sn.Interrupted) as caught,
        ):
            sn.apply(plan, progress=False, journal=journal)
    finally:
        gate.open()
        client.close()
    assert interrupter.done.at_patches is not None
    assert patches(shop) == interrupter.done.at_patches  # nothing sent after it
    result = caught.value.result
    _statuses_are_complete(result, edits)
    landed = changed(shop, before)
    assert landed <= journaled(journal)
    cut = result.rows[result.rows["message"].fillna("").str.contains("may have landed")]
    # The answer the interrupt cut short was a PATCH or the re-read before one.
    assert set(cut["guid"]) <= landed
    client = sn.connect("serial-token", base_url=SANDBOX_BASE_URL, transport=shop.transport())
    sn.revert(journal, client=client, progress=False, journal=False)
    assert changed(shop, before) == set()


def test_a_stopped_run_does_not_retry_and_gives_up_waiting_for_a_slot() -> None:
    """The stop event reaches the retry loop (no retry after it) and the limiter (no send)."""
    seen: list[str] = []

    def always_503(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(503, json={"data": None, "errors": []})

    client = sn.connect(
        "retry-token",
        base_url="https://api.example.test",
        transport=httpx.MockTransport(always_503),
        backoff_base=30.0,
        backoff_max=30.0,
        max_attempts=4,
    )
    stop = threading.Event()
    timer = threading.Timer(0.3, stop.set)  # "the interrupt", during the first backoff
    timer.start()
    try:
        ((_, outcome),) = list(
            client.map(lambda _: client.request("GET", "/api/eshop"), [1], stop=stop)
        )
    finally:
        timer.cancel()
    assert isinstance(outcome, sn.ServerError)
    assert seen == ["GET"]  # the first attempt only: the backoff ended with the stop

    limiter = TokenLimiter(max_in_flight=1, leak_per_s=1.0, reserve=0.0)
    with limiter.slot():  # another client of the token holds the only slot
        stop = threading.Event()
        threading.Timer(0.1, stop.set).start()
        with pytest.raises(Cancelled), limiter.slot(stop=stop):
            pytest.fail("a slot was granted after the stop")


def test_a_journal_line_written_after_close_still_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    journal = Journal(path)
    journal.write({"event": "intent", "guid": "g"})
    journal.close()
    journal.write({"event": "result", "guid": "g"})  # a late answer
    assert [e["event"] for e in read_journal(path)] == ["intent", "result"]


def _double_interrupt(
    client: sn.ShoptetClient, shop: SandboxShop, gap_s: float, tmp_path: Path
) -> tuple[BaseException | None, pd.DataFrame]:
    """Apply, with two real SIGINTs ``gap_s`` apart from the 5th PATCH on; what escaped."""
    edits, _before, plan = prepare(client, 12)
    start = patches(shop)
    sent = threading.Event()

    def fire() -> None:
        while patches(shop) - start < 5:
            if sent.wait(0.0005):
                return
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        time.sleep(gap_s)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        sent.set()

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    caught: BaseException | None = None
    try:
        sn.apply(plan, progress=False, journal=tmp_path / f"double-{gap_s}.jsonl")
    except KeyboardInterrupt as exc:
        caught = exc
    # A second signal that came after apply returned lands here, in the test, not in apply.
    while not sent.is_set():
        with contextlib.suppress(KeyboardInterrupt):
            sent.wait(0.01)
    thread.join()
    wait_for_workers()
    return caught, edits


def test_a_double_interrupt_at_any_moment_keeps_the_partial_result(tmp_path: Path) -> None:
    """The second Ctrl+C may land while apply builds the Result: it must not lose it."""
    lost = []
    gaps = [i / 1000 for i in range(0, 160, 10)] * 2
    for n, gap in enumerate(gaps):
        shop = SandboxShop(SandboxOptions(seed=12, products=40, latency_ms=5))
        client = sn.connect(
            "interrupt-token", base_url=SANDBOX_BASE_URL, transport=shop.transport()
        )
        client.sandbox = shop
        try:
            caught, edits = _double_interrupt(client, shop, gap, tmp_path / str(n))
        finally:
            client.close()
        if caught is None:
            continue  # the apply ended before the first signal: nothing to judge
        if not isinstance(caught, sn.Interrupted) or caught.result is None:
            lost.append((gap, type(caught).__name__))
            continue
        _statuses_are_complete(caught.result, edits)
    assert lost == [], f"{len(lost)} of {len(gaps)} double interrupts lost the Result: {lost}"
