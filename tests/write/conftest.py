"""Fixtures shared by the tests of the write path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal folder of the test's own (``$SHOPTET_NB_JOURNAL_DIR``)."""
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder
