"""Faults survived: a chaos soak, a run killed mid-way, an access token expiring mid-run.

Each test judges the run by the sandbox's own state and counters (the oracle), never by what
the client says about itself. Sizes are reduced for CI; ``benchmarks/bench_chaos.py`` runs the
full 1,000-product soak.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop, serve

from helpers import IMAGES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_chaos  # noqa: E402  (lives in benchmarks/, shared with the full-size soak)
import bench_interrupt  # noqa: E402  (the interrupter and the journal check)


@pytest.fixture(autouse=True)
def _journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder


def caption_edits(shop: SandboxShop, n: int, text: str) -> pd.DataFrame:
    """A new caption for the last image of each of the first n products with images."""
    rows = []
    for product in shop.products():
        images = shop.images(product["guid"], "shop")
        if images:
            rows.append(
                {
                    "guid": product["guid"],
                    "gallery": "shop",
                    "name": images[-1]["name"],
                    "description": text.format(i=len(rows)),
                }
            )
        if len(rows) == n:
            break
    return pd.DataFrame(rows)


def captions(shop: SandboxShop, edits: pd.DataFrame) -> list[Any]:
    out = []
    for guid, name in zip(edits["guid"], edits["name"], strict=True):
        image = next(i for i in shop.images(guid, "shop") if i["name"] == name)
        out.append(image["description"])
    return out


def writes_of(shop: SandboxShop, edits: pd.DataFrame) -> list[int]:
    counters = shop.stats()["writes"]
    return [
        counters.get(f"{g}/shop/{n}", 0) for g, n in zip(edits["guid"], edits["name"], strict=True)
    ]


# -- chaos soak -------------------------------------------------------------------------------


@pytest.mark.slow
def test_chaos_soak_accounts_for_every_row_and_changes_only_what_it_says() -> None:
    report = bench_chaos.soak(90, fault_rate=0.2, fault_seed=5)
    shown = (
        f"statuses {report.statuses}, faults {report.faults}, responses {report.responses}, "
        f"{report.requests} requests in {report.wall:.1f} s"
    )
    print(shown)
    assert report.problems == [], shown + "\n" + "\n".join(report.problems[:10])
    assert sum(report.statuses.values()) == report.rows == 90, shown
    # Every kind of fault was met, and the retries carried (nearly) every row through.
    assert set(report.faults) == {"500", "503", "423", "429", "drop", "slow"}, shown
    assert report.statuses.get("updated", 0) >= 85, shown


# -- killed mid-run ----------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, sys
    import pandas as pd
    import shoptet_nb as sn
    base_url, edits_file, journal = sys.argv[1:4]
    edits = pd.DataFrame(json.loads(open(edits_file, encoding="utf-8").read()))
    client = sn.connect("killed-token", base_url=base_url)
    plan = sn.plan_updates(client, edits, progress=False)
    print("planned", flush=True)
    sn.apply(plan, progress=False, journal=journal)
    print("finished", flush=True)
    """
)


@pytest.fixture
def loopback_shop() -> Iterator[tuple[str, SandboxShop]]:
    with serve(SandboxOptions(seed=31, products=70, latency_ms=25)) as running:
        yield running.base_url, running.shop


def _patches(shop: SandboxShop) -> int:
    return int(shop.stats()["requests"].get(f"PATCH {IMAGES}", 0))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_run_killed_mid_way_resumes_without_writing_any_image_twice(
    loopback_shop: tuple[str, SandboxShop], tmp_path: Path, seed: int
) -> None:
    base_url, shop = loopback_shop
    edits = caption_edits(shop, 60, "Po pádu {i} ✓")
    edits_file = tmp_path / "edits.json"
    edits_file.write_text(json.dumps(edits.to_dict("list"), ensure_ascii=False), encoding="utf-8")
    kill_after = random.Random(seed).randint(3, len(edits) - 15)  # PATCHes landed, seeded
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, base_url, str(edits_file), str(tmp_path / "j.jsonl")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 120
        while _patches(shop) < kill_after:
            assert child.poll() is None, f"the child ended early: {child.communicate()}"
            assert time.monotonic() < deadline, "the child never reached the kill point"
            time.sleep(0.002)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        out, err = child.communicate()
    assert child.returncode == -signal.SIGKILL, (out, err)
    assert "finished" not in out
    time.sleep(0.3)  # PATCHes in flight at the kill finish on the server (25 ms latency)
    landed = [n for n in writes_of(shop, edits) if n]
    assert 0 < len(landed) < len(edits), "the kill did not fall mid-run"

    client = sn.connect("resume-token", base_url=base_url)
    try:
        result = sn.update_images(client, edits, progress=False, journal=False)
    finally:
        client.close()
    counts = result.counts
    assert counts["unchanged"] == len(landed), counts  # seen as done: plan diff → unchanged
    assert counts["updated"] == len(edits) - len(landed), counts
    assert captions(shop, edits) == list(edits["description"])
    assert writes_of(shop, edits) == [1] * len(edits), "an image was written twice"
    assert set(shop.stats()["changes"].values()) == {1}


# -- an access token expiring mid-run ----------------------------------------------------------


class ExpiringTransport(httpx.BaseTransport):
    """Expires the token in the shop once ``after`` PATCHes have been answered."""

    def __init__(self, shop: SandboxShop, token: str, after: int) -> None:
        self.inner = shop.transport()
        self.shop, self.token, self.after = shop, token, after
        self.patches = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "PATCH":
            self.patches += 1
            if self.patches == self.after:
                self.shop.expire_token(self.token)
        return response


def test_an_expired_token_stops_cleanly_and_a_new_one_finishes_the_rest() -> None:
    token = "123456-a-111-" + "ab" * 16  # an add-on access token: it can expire
    shop = SandboxShop(SandboxOptions(seed=41, products=45))
    edits = caption_edits(shop, 40, "Nový token {i}")
    old = captions(shop, edits)
    client = sn.connect(
        token, base_url=SANDBOX_BASE_URL, transport=ExpiringTransport(shop, token, after=12)
    )
    client.sandbox = shop
    first = sn.update_images(client, edits, progress=False, journal=False)

    rows = first.rows
    statuses = rows["status"]
    assert set(statuses) <= {"updated", "failed", "not_attempted"}, first.counts
    assert sum(first.counts.values()) == len(edits)
    assert 12 <= first.counts["updated"] <= 14, first.counts  # those in flight may still land
    refused = rows[statuses == "failed"]
    assert 1 <= len(refused) <= 3, first.counts  # only the calls in flight meet the 401
    assert refused["message"].str.contains("expired-token").all()
    assert refused["message"].str.contains(r"set_token\(\)|connect\(\)").all()
    assert (refused["http_status"] == 401).all()
    waiting = rows[statuses == "not_attempted"]
    assert len(waiting) > 0
    assert waiting["message"].str.contains("connect with a valid token").all()
    assert waiting["message"].str.contains("apply the same edits again").all()
    now = captions(shop, edits)
    for position, status in enumerate(statuses):
        expected = edits["description"].iloc[position] if status == "updated" else old[position]
        assert now[position] == expected, (position, status)

    client.set_token("123456-a-111-" + "cd" * 16)
    second = sn.update_images(client, edits, progress=False, journal=False)
    assert second.counts["unchanged"] == first.counts["updated"], second.counts
    assert second.counts["updated"] == len(edits) - first.counts["updated"], second.counts
    assert captions(shop, edits) == list(edits["description"])
    assert writes_of(shop, edits) == [1] * len(edits), "an image was written twice"


# -- interrupted at random moments -------------------------------------------------------------


@pytest.mark.slow
def test_interrupt_soak_the_journal_always_undoes_what_landed(tmp_path: Path) -> None:
    """10 real SIGINTs at seeded random moments of a 50-gallery apply (every third a double)."""
    # Limits off: the soak is about interrupts, not about waiting for the leaky bucket.
    shop = SandboxShop(SandboxOptions(seed=50, products=80, latency_ms=8, limits=False))
    gate = bench_interrupt.GatedTransport(shop.transport())
    client = sn.connect("soak-token", base_url=SANDBOX_BASE_URL, transport=gate)
    client.sandbox = shop
    edits = bench_interrupt.gallery_edits(shop, 50)
    guids = list(dict.fromkeys(edits["guid"]))
    assert len(guids) == 50
    before = bench_interrupt.gallery_state(shop, guids)
    rng = random.Random(12)
    seen = Counter()
    try:
        for run in range(10):
            at, double = rng.randint(0, 45), run % 3 == 2
            journal = tmp_path / f"soak-{run}.jsonl"
            plan = sn.plan_updates(client, edits, progress=False)
            with (
                bench_interrupt.interrupting(shop, gate, at, double=double) as interrupter,
                pytest.raises(sn.Interrupted) as caught,
            ):
                sn.apply(plan, progress=False, journal=journal)
            landed_at_control = bench_interrupt.changed(shop, before)
            journaled_at_control = bench_interrupt.journaled(journal)
            assert bench_interrupt.wait_for_workers()
            shown = f"run {run} at PATCH {at}{' (double)' if double else ''}: {caught.value}"
            assert landed_at_control <= journaled_at_control, shown
            landed = bench_interrupt.changed(shop, before)
            assert landed <= bench_interrupt.journaled(journal), shown
            assert interrupter.done.at_patches is not None, shown
            assert bench_interrupt.patches(shop) - interrupter.done.at_patches <= 3, shown
            result = caught.value.result
            assert result.rows["status"].notna().all(), shown
            assert len(result.rows) == len(edits), shown
            seen.update(status for status, n in result.counts.items() if n)
            if bench_interrupt.journaled(journal):
                sn.revert(journal, client=client, progress=False, journal=False)
            assert bench_interrupt.changed(shop, before) == set(), shown
    finally:
        gate.open()
        client.close()
    # The moments fell before, during and late in the runs.
    assert {"updated", "not_attempted"} <= set(seen), seen
