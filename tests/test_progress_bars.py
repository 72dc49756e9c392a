"""Progress bars read as sentences: what is going on, and n of a total where the total is known
(never tqdm's "2500/?" or "it/s")."""

from __future__ import annotations

import re

import pytest

import shoptet_nb as sn

#: tqdm's own notation, which says nothing to a catalogue person.
TQDM_NOTATION = re.compile(r"\d+/\?|\?it/s|it/s\]|\[\d\d:\d\d<")


def last_states(err: str) -> list[str]:
    """Every state a bar showed on a terminal (they are separated by carriage returns)."""
    return [part.strip() for part in re.split(r"[\r\n]+", err) if part.strip()]


def test_reading_galleries_says_n_of_total(capsys: pytest.CaptureFixture[str]) -> None:
    client = sn.sandbox(seed=0)
    guids = [product["guid"] for product in client.list_products()[:4]]
    sn.read_images(client, guids, method="galleries")
    states = last_states(capsys.readouterr().err)
    assert any(state.startswith("Reading galleries: 4 of 4 galleries") for state in states), states
    assert not [state for state in states if TQDM_NOTATION.search(state)], states


def test_a_snapshot_read_says_it_waits_for_shoptet_then_counts_products(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = sn.sandbox(seed=0, products=30, snapshot_job_s=0.5)
    images = sn.read_images(client, method="snapshot")
    job_id = images.attrs["read"]["job_id"]
    states = last_states(capsys.readouterr().err)
    assert any(
        state.startswith(f"Snapshot job {job_id}: waiting for Shoptet") for state in states
    ), states
    assert any(state.startswith(f"Snapshot job {job_id}: 30 products read") for state in states), (
        states
    )
    assert not [state for state in states if TQDM_NOTATION.search(state)], states


def test_writing_and_auditing_say_n_of_total(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL")
    client = sn.sandbox(seed=0)
    guids = [product["guid"] for product in client.list_products()[:3]]
    images = sn.read_images(client, guids, progress=False)
    edited = sn.fill_captions(images, "{product_name} – photo {n}", only_empty=False)
    sn.apply(sn.plan_updates(client, edited, base=images), journal=False)
    sn.audit_images(client, images, cache=False)
    states = last_states(capsys.readouterr().err)
    photos = len(images)
    assert any(re.match(r"Writing galleries: (\d+) of \1 galleries", state) for state in states), (
        states
    )
    assert any(
        state.startswith(f"Auditing photos: {photos} of {photos} photos") for state in states
    ), states
    assert not [state for state in states if TQDM_NOTATION.search(state)], states
