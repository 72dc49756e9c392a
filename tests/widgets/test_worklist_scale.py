"""The caption worklist on big catalogues: work per gallery, and ⟳ shown as busy (issue 15, 19).

No timings here (benchmarks/bench_worklist.py measures them): these tests count the pandas work
a build does, which must not grow with the galleries, and check what the grid shows while ⟳
reads the shop.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.widgets import CaptionWorklist


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path / "journal"))


@pytest.fixture(scope="module")
def shop() -> tuple[Any, pd.DataFrame]:
    client = sn.sandbox(seed=5, products=60, limits=False)
    return client, sn.read_images(client, progress=False)


def frames_built(
    monkeypatch: pytest.MonkeyPatch, client: Any, frame: pd.DataFrame
) -> tuple[Counter[str], CaptionWorklist]:
    """The per-row pandas conversions a worklist's build makes (frames from records, frames
    to records), counted by patching them."""
    counts: Counter[str] = Counter()
    from_records = pd.DataFrame.from_records.__func__  # type: ignore[attr-defined]
    to_dict = pd.DataFrame.to_dict

    def counting_from_records(cls: Any, *args: Any, **kwargs: Any) -> Any:
        counts["from_records"] += 1
        return from_records(cls, *args, **kwargs)

    def counting_to_dict(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["to_dict"] += 1
        return to_dict(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(pd.DataFrame, "from_records", classmethod(counting_from_records))
        patch.setattr(pd.DataFrame, "to_dict", counting_to_dict)
        worklist = CaptionWorklist(client, frame, journal=False)
    return counts, worklist


@pytest.mark.parametrize("kind", ["images", "findings"])
def test_building_a_worklist_does_no_pandas_work_per_gallery(
    monkeypatch: pytest.MonkeyPatch, shop: tuple[Any, pd.DataFrame], kind: str
) -> None:
    # Before: a frame per gallery (then concat) and a to_dict per gallery, 20 s for 2,000
    # galleries. Now the same few conversions whatever the number of galleries.
    client, images = shop
    guids = list(dict.fromkeys(images["guid"].astype(str)))
    few = images[images["guid"].isin(guids[:3])]
    many = images[images["guid"].isin(guids[:40])]
    if kind == "findings":
        few, many = sn.lint_captions(few), sn.lint_captions(many)
    small, _ = frames_built(monkeypatch, client, few)
    big, worklist = frames_built(monkeypatch, client, many)
    assert many[["guid", "gallery"]].drop_duplicates().shape[0] >= 30
    assert len(worklist.rows_data) == many[["guid", "gallery", "name"]].drop_duplicates().shape[0]
    assert big == small, (small, big)


def test_refresh_is_busy_while_it_reads_so_save_is_disabled(shop: tuple[Any, pd.DataFrame]) -> None:
    client, images = shop
    worklist = CaptionWorklist(client, images.head(40), journal=False)
    seen: list[tuple[bool, str]] = []
    worklist.observe(lambda change: seen.append((change["new"], worklist.busy_text)), "busy")
    reads: list[tuple[bool, str]] = []
    original = client.request

    def watching(*args: Any, **kwargs: Any) -> Any:
        reads.append((worklist.busy, worklist.busy_text))
        return original(*args, **kwargs)

    client.request = watching
    try:
        worklist.vue_refresh({})
    finally:
        del client.request
    assert reads, "refresh read nothing"
    # Every request of the read went out with the grid busy (its Save button disabled).
    assert all(busy for busy, _ in reads), reads
    assert "from the shop" in reads[0][1]
    assert [busy for busy, _ in seen] == [True, False]
    assert worklist.busy_text == ""
    assert worklist.notice == "Reloaded from the shop."


def test_a_refresh_that_fails_leaves_the_grid_usable(shop: tuple[Any, pd.DataFrame]) -> None:
    client, images = shop
    away = False

    def read(*args: Any, **kwargs: Any) -> Any:
        if away:
            raise sn.ShoptetError("the shop is away")
        return sn.read_images(*args, **kwargs)

    session = sn.EditSession(client, journal=False, read=read)
    worklist = CaptionWorklist(client, images.head(10), session=session)
    away = True
    worklist.vue_refresh({})
    assert worklist.busy is False
    assert "the shop is away" in worklist.notice


def test_a_build_that_reads_the_shop_shows_a_progress_bar(
    shop: tuple[Any, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    # Findings lack captions and product names: the worklist reads their galleries, the slow
    # part of building one over a big shop, and shows a bar while it does (unless told not to).
    client, images = shop
    findings = sn.lint_captions(images.head(30))
    capsys.readouterr()
    CaptionWorklist(client, findings, journal=False)
    assert "galleries" in capsys.readouterr().err
    CaptionWorklist(client, findings, journal=False, progress=False)
    assert capsys.readouterr().err == ""
