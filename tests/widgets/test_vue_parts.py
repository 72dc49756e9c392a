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
from shoptet_nb.widgets.vue_parts import MIXINS, PARTS, part_sources, template_source

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


# -- the shared mixins: methods both widgets' scripts use -------------------------------------

DRAFTS_CODE = ["takeDrafts() {", "flush() {", "act(name, payload) {", "const out = this.unsent;"]


@pytest.mark.parametrize("fragment", DRAFTS_CODE)
def test_the_drafts_code_is_written_once_in_a_mixin(fragment: str) -> None:
    in_mixins = [name for name in MIXINS.values() if fragment in (WIDGETS / name).read_text()]
    in_templates = [name for name, path in TEMPLATES.items() if fragment in path.read_text()]
    assert (in_mixins, in_templates) == (["drafts_mixin.js"], [])


def test_both_widgets_send_their_template_with_the_drafts_mixin(client: Any) -> None:
    images = sn.read_images(client, progress=False)
    editor = GalleryEditor(client, journal=False)
    worklist = CaptionWorklist(client, pd.DataFrame(images.head(2)), journal=False)
    mixin = (WIDGETS / "drafts_mixin.js").read_text()
    for widget, path in (
        (editor, TEMPLATES["gallery_editor"]),
        (worklist, TEMPLATES["caption_worklist"]),
    ):
        sent = widget.template.template  # ipyvue's Template widget, as the browser gets it
        assert widget.template.source_url == path.name
        assert sent == template_source(path)
        script = sent.split("<script>\n", 1)[1]
        # The mixin is declared before the component that names it, once.
        assert script.startswith(mixin)
        assert sent.count("const snbDrafts") == 1
        assert "mixins: [snbDrafts]" in script.split(mixin, 1)[1]
        assert sent.replace(mixin, "", 1) == path.read_text()  # and nothing else changed


def test_a_template_that_names_no_mixin_is_sent_as_it_is(tmp_path: Path) -> None:
    plain = tmp_path / "plain.vue"
    plain.write_text("<template><b>x</b></template>\n<script>\nexport default {};\n</script>\n")
    assert template_source(plain) == plain.read_text()
    broken = tmp_path / "broken.vue"
    broken.write_text(
        "<template><b>x</b></template>\n<script>export default { mixins: [snbDrafts] };</script>"
    )
    with pytest.raises(ValueError, match=r"broken\.vue names a mixin but has no <script>"):
        template_source(broken)
