"""A widget's own read (building a caption worklist from lint findings) shows its progress bar
while it runs and hides it once done: the widget shows what was read, and a finished
"Reading galleries: 7 of 7" above it says nothing more. A read the user starts keeps its bar.

Both kinds of bar tqdm.auto makes are checked: a terminal's (the finished line is cleared) and
a notebook's, a widget (hidden, not closed: Voila would not find a closed one). The browser
shows it in Voila and JupyterLab (``tests/browser/test_read_bar_browser.py``)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from tqdm import tqdm as terminal_tqdm
from tqdm.notebook import tqdm as notebook_tqdm

import shoptet_nb as sn
from shoptet_nb import progress_bar
from shoptet_nb.widgets import CaptionWorklist


class TerminalBar(terminal_tqdm):  # type: ignore[type-arg]
    made: ClassVar[list[Any]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.made.append(self)


class NotebookBar(notebook_tqdm):  # type: ignore[type-arg]
    made: ClassVar[list[Any]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.made.append(self)


def stays_on_screen(bar: Any) -> bool:
    """Whether a finished bar still shows: tqdm's ``leave`` on a terminal; in a notebook, its
    widget neither closed nor hidden."""
    if isinstance(bar, NotebookBar):
        assert bar.container.comm is not None, "closed: Voila would say 'widget model not found'"
        return bool(bar.container.layout.display != "none")
    return bool(bar.leave)


@pytest.fixture(params=[TerminalBar, NotebookBar], ids=["terminal", "notebook"])
def bars(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    kind = request.param
    kind.made = []
    monkeypatch.setattr(progress_bar, "tqdm", kind)
    return kind.made  # type: ignore[no-any-return]


def test_a_worklists_own_read_hides_its_bar_once_done(bars: list[Any]) -> None:
    client = sn.sandbox(seed=0, products=3, limits=False)
    images = sn.read_images(client, method="galleries", progress=True)
    assert [bar.desc for bar in bars] == ["Reading galleries"]
    assert stays_on_screen(bars[0])  # a read the user started keeps its bar
    findings = sn.lint_captions(images)  # no change_time and the like: the worklist reads them
    worklist = CaptionWorklist(client, findings, journal=False)
    assert len(worklist.rows) == len(findings.drop_duplicates(["guid", "gallery", "name"]))
    own = bars[1:]
    assert [bar.desc for bar in own] == ["Reading galleries"]
    assert own[0].n == own[0].total > 0  # it counted the galleries ...
    assert not stays_on_screen(own[0])  # ... and leaves the screen once done


def test_a_read_after_a_widget_was_built_keeps_its_bar(bars: list[Any]) -> None:
    client = sn.sandbox(seed=0, products=3, limits=False)
    images = sn.read_images(client, progress=False)
    CaptionWorklist(client, sn.lint_captions(images), journal=False)
    sn.read_images(client, method="galleries", progress=True)
    assert bars[-1].desc == "Reading galleries"
    assert stays_on_screen(bars[-1])
