"""A finished read's progress bar closes once the widget it built shows, in Voila and in
JupyterLab: the caption worklist of lint findings reads its galleries with a bar, and no
"Reading galleries: 7 of 7" stays above the worklist (``tests/widgets/test_widget_read_bars.py``
checks how the bars are made, without a browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import lab_server, no_widget_errors, shot, write_notebook
from .test_caption_worklist_browser import NOTEBOOK_SOURCE, USABLE_JS
from .test_caption_worklist_browser import voila as voila  # the worklist's page in Voila
from .test_gallery_editor_browser import run_all_in_lab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 120_000
#: The notebook's frame is lint_captions(images) unless ``rows`` is set: the worklist then reads
#: the galleries itself, with a bar (progress=True is its default).
LINT_FINDINGS = {"mode": "inprocess", "seed": "38", "products": "12"}
LAB_READY_JS = "() => window.jupyterapp && window.jupyterapp.shell"


def read_bars(page: Any) -> Any:
    """The read's bars a person sees (a hidden one is in the page, and not seen)."""
    return page.get_by_text("Reading galleries").locator("visible=true")


def no_bar_above_the_worklist(page: Any, artifacts: Path, name: str) -> None:
    page.wait_for_function(USABLE_JS, timeout=LOAD_MS, polling="raf")
    expect(page.locator(".snb-test-done")).to_have_count(1, timeout=LOAD_MS)  # the cell ended
    expect(read_bars(page)).to_have_count(0)
    shot(page, artifacts, name)
    no_widget_errors(page)


def test_voila_shows_no_finished_read_bar_above_the_worklist(
    page: Any, voila: str, artifacts: Path
) -> None:
    page.goto(f"{voila}/", wait_until="commit")  # over HTTP on the module's sandbox shop
    no_bar_above_the_worklist(page, artifacts, "read-bar-voila")


def test_jupyterlab_shows_no_finished_read_bar_above_the_worklist(
    page: Any, tmp_path: Path, artifacts: Path
) -> None:
    write_notebook(tmp_path, "worklist.ipynb", NOTEBOOK_SOURCE)
    with lab_server(tmp_path, LINT_FINDINGS) as (base, token):
        page.goto(f"{base}/lab/tree/worklist.ipynb?token={token}", wait_until="domcontentloaded")
        page.wait_for_function(LAB_READY_JS, timeout=LOAD_MS)
        run_all_in_lab(page, "worklist.ipynb")
        no_bar_above_the_worklist(page, artifacts, "read-bar-jupyterlab")
