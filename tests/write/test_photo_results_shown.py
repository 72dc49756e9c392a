"""add_images and delete_images while running (the same progress bar as apply) and in a
notebook (counts and the rows that need attention, user data escaped)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox.pictures import picture

pytestmark = pytest.mark.usefixtures("journal_dir")

EVIL = "<script>alert(1)</script>"


def states(err: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\r\n]+", err) if part.strip()]


@pytest.fixture
def client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=6, insert_job_s=0.2)


def two_products(client: sn.ShoptetClient) -> list[str]:
    return [p["guid"] for p in client.sandbox.products()[:2]]


def staged(client: sn.ShoptetClient, tag: str) -> list[str]:
    """URLs of two new little pictures, one for each of :func:`two_products`."""
    return [client.sandbox.stage(picture(f"{tag}-{k}", 16, 16)) for k in range(2)]


def last_photos(client: sn.ShoptetClient) -> pd.DataFrame:
    """The last photo of each of :func:`two_products`, as a delete's frame."""
    guids = two_products(client)
    return pd.DataFrame(
        {"guid": guids, "name": [client.sandbox.images(g)[-1]["name"] for g in guids]}
    )


def seen_by_callback() -> tuple[list[tuple[int, int]], Callable[[int, int], None]]:
    """A progress callback and the ``(done, total)`` calls it saw."""
    seen: list[tuple[int, int]] = []
    return seen, lambda done, total: seen.append((done, total))


def test_add_shows_a_progress_bar_and_calls_a_progress_callback(
    client: sn.ShoptetClient, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.DataFrame({"guid": two_products(client), "source_url": staged(client, "bar")})
    sn.add_images(client, frame)
    shown = states(capsys.readouterr().err)
    assert any(s.startswith("Adding photos: 2 of 2 galleries") for s in shown), shown
    seen, callback = seen_by_callback()
    frame["source_url"] = staged(client, "cb")
    sn.add_images(client, frame, progress=callback)
    assert seen[0] == (0, 2)
    assert seen[-1] == (2, 2)
    assert not capsys.readouterr().err


def test_delete_shows_a_progress_bar_and_calls_a_progress_callback(
    client: sn.ShoptetClient, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = last_photos(client)
    sn.delete_images(client, frame, remove_references=True)
    shown = states(capsys.readouterr().err)
    assert any(s.startswith("Deleting photos: 2 of 2 photos") for s in shown), shown
    seen: list[tuple[int, int]] = []
    frame = last_photos(client)
    sn.delete_images(
        client, frame, remove_references=True, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (0, 2)
    assert seen[-1] == (2, 2)


def test_reverting_an_add_shows_a_progress_bar_and_calls_a_progress_callback(
    client: sn.ShoptetClient, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.DataFrame({"guid": two_products(client), "source_url": staged(client, "rv")})
    added = sn.add_images(client, frame, progress=False)
    sn.revert(added)
    shown = states(capsys.readouterr().err)
    assert any(s.startswith("Deleting the added photos: 2 of 2 photos") for s in shown), shown
    frame["source_url"] = staged(client, "rc")
    added = sn.add_images(client, frame, progress=False)
    seen, callback = seen_by_callback()
    sn.revert(added, progress=callback)
    assert seen[0] == (0, 2)
    assert seen[-1] == (2, 2)
    assert not capsys.readouterr().err


def test_a_restore_shows_one_progress_bar_and_calls_a_progress_callback(
    client: sn.ShoptetClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """One bar of the photos restored: not the add path's own bar inside it."""
    frame = last_photos(client)
    deleted = sn.delete_images(client, frame, remove_references=True, progress=False)
    seen, callback = seen_by_callback()
    sn.revert(deleted, stage=client.sandbox.stage, webp="png", progress=callback)
    assert seen[0] == (0, 2)
    assert seen[-1] == (2, 2)
    assert not capsys.readouterr().err  # no bar: neither the restore's nor the add path's
    frame = last_photos(client)
    deleted = sn.delete_images(client, frame, remove_references=True, progress=False)
    sn.revert(deleted, stage=client.sandbox.stage, webp="png")
    shown = states(capsys.readouterr().err)
    assert any(s.startswith("Restoring photos: 2 of 2 photos") for s in shown), shown
    assert not any(s.startswith("Adding photos") for s in shown), shown


def test_an_add_result_in_a_notebook_shows_counts_and_escaped_rows_that_need_attention(
    client: sn.ShoptetClient,
) -> None:
    g = two_products(client)[0]
    frame = pd.DataFrame(
        {
            "guid": [g, g],
            "source_url": [client.sandbox.stage(picture("ok", 16, 16)), f"/tmp/{EVIL}.jpg"],
        }
    )
    result = sn.add_images(client, frame)
    shown = result._repr_html_()
    assert "added: 1" in shown
    assert "invalid: 1" in shown
    assert "Rows that need attention" in shown
    assert EVIL not in shown
    assert "&lt;script&gt;" in shown
    undone = sn.revert(result)
    assert "deleted: 1" in undone._repr_html_()


def test_a_delete_result_in_a_notebook_shows_counts_and_escaped_captions(
    client: sn.ShoptetClient,
) -> None:
    g = two_products(client)[0]
    name = client.sandbox.images(g)[-1]["name"]
    client.sandbox.set_image(g, "shop", name, description=EVIL)
    frame = pd.DataFrame({"guid": [g, g], "name": [name, "no-such-photo.jpg"]})
    result = sn.delete_images(client, frame, remove_references=True)
    shown = result._repr_html_()
    assert "deleted: 1" in shown
    assert "not_found: 1" in shown
    assert "Rows that need attention" in shown
    assert "no-such-photo.jpg" in shown
    assert EVIL not in shown
    restore = sn.revert(result)  # no stage: each row says it cannot restore
    assert "not_restored: 1" in restore._repr_html_()
