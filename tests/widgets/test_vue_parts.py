"""The Vue parts both widgets share (``shoptet_nb.widgets.vue_parts``): registered, used, and
written once. The browser tests show them working; these need no browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.widgets import CaptionWorklist, GalleryEditor
from shoptet_nb.widgets.vue_parts import PARTS, part_sources

WIDGETS = Path(sn.__file__).parent / "widgets"
TEMPLATES = {
    "gallery_editor": WIDGETS / "gallery_editor.vue",
    "caption_worklist": WIDGETS / "caption_worklist.vue",
}


@pytest.fixture(scope="module")
def client() -> Any:
    return sn.sandbox(seed=0, products=3, limits=False)


def test_each_part_the_templates_use_is_registered_and_each_part_is_used() -> None:
    used: set[str] = set()
    for path in TEMPLATES.values():
        tags = set(re.findall(r"<(snb-[a-z-]+)", path.read_text()))
        assert tags <= set(PARTS), (path.name, tags - set(PARTS))
        used |= tags
    assert used == set(PARTS)
    assert all((WIDGETS / name).is_file() for name in PARTS.values())


def test_both_widgets_send_the_parts_with_their_state(client: Any) -> None:
    images = sn.read_images(client, progress=False)
    editor = GalleryEditor(client, journal=False)
    worklist = CaptionWorklist(client, pd.DataFrame(images.head(2)), journal=False)
    for widget in (editor, worklist):
        assert widget.get_state()["components"] == part_sources()


@pytest.mark.parametrize(
    "fragment",
    [
        "keepTextUndo",  # Ctrl+Z kept for the browser's undo of typing
        "isContentEditable",  # Ctrl+Z: which targets are text fields
        "overflow: clip",  # the sticky bar's fix
        "position: sticky",
        'prepend-icon="mdi-undo"',  # the action bar's buttons
        ">Save changes</v-btn",
        "Close preview",  # the plan table
        "Position (priority)",
        "<del>",
        ">SANDBOX</v-chip",  # the sandbox's chip
        "font-family: Roboto",  # the widgets' look
        'aria-label="Reload from the shop"',
    ],
)
def test_what_the_parts_hold_is_written_once(fragment: str) -> None:
    in_parts = [tag for tag, text in part_sources().items() if fragment in text]
    in_templates = [name for name, path in TEMPLATES.items() if fragment in path.read_text()]
    assert (len(in_parts), in_templates) == (1, [])
