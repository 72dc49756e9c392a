"""Where an apply's journal goes: a real shop keeps ~/.shoptet_nb/journal (or
$SHOPTET_NB_JOURNAL_DIR); a sandbox run journals to a temporary folder unless told otherwise,
so trying the notebooks leaves nothing in the home folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

import shoptet_nb as sn
from shoptet_nb.journal import JOURNAL_DIR_ENV, default_journal_dir


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.delenv(JOURNAL_DIR_ENV, raising=False)
    return folder


def caption_change(client: sn.ShoptetClient) -> sn.Plan:
    guid = client.list_products()[0]["guid"]
    images = sn.read_images(client, [guid], progress=False)
    edited = images.copy()
    edited.loc[edited.index[0], "description"] = "a caption for the journal test"
    return sn.plan_updates(client, edited, base=images)


def test_a_sandbox_apply_journals_to_a_temporary_folder(home: Path) -> None:
    result = sn.apply(caption_change(sn.sandbox(seed=0)), progress=False)

    assert result.journal_path is not None
    assert result.journal_path.is_file()
    assert result.journal_path.is_relative_to(tempfile.gettempdir())
    assert not (home / ".shoptet_nb").exists(), "nothing in the home folder"
    undone = sn.revert(result.journal_path, client=result.client, progress=False)
    assert set(undone.rows["status"]) == {"updated"}


def test_a_sandbox_apply_journals_where_the_environment_says(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(tmp_path / "kept"))
    result = sn.apply(caption_change(sn.sandbox(seed=0)), progress=False)
    assert result.journal_path is not None
    assert result.journal_path.parent == tmp_path / "kept"


def test_a_real_shop_keeps_its_journal_in_the_home_folder(home: Path) -> None:
    assert default_journal_dir() == home / ".shoptet_nb" / "journal"
    assert default_journal_dir(sandbox=False) == home / ".shoptet_nb" / "journal"
