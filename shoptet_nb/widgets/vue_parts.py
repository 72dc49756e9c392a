"""The Vue parts the gallery editor and the caption worklist share, as ipyvue sub-components.

Each part is a ``.vue`` file beside this module. ipyvue compiles a string value of a template
widget's ``components`` trait in the browser as a single-file component and registers it under
its key, so a template uses ``<snb-action-bar>`` like any tag (proved on the pinned ipyvue in
``tests/browser/test_vue_parts_browser.py``). A widget's class takes the parts with
``components = shared_parts()``.

Methods are shared as Vue mixins (``drafts_mixin.js``: the caption drafts). A sub-component
cannot lend its methods to the template that uses it, and ipyvue compiles each template alone,
with nothing to ``import``, so :func:`widget_template` writes each mixin a template names into
its ``<script>`` before ipyvue sends it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import traitlets as t
from ipyvue.Template import Template
from ipyvue.VueTemplateWidget import VueTemplate

#: Tag in the widgets' templates → the file of the part, beside this module.
PARTS = {
    "snb-action-bar": "action_bar.vue",
    "snb-plan-preview": "plan_preview.vue",
    "snb-sandbox-chip": "sandbox_chip.vue",
    "snb-reload-button": "reload_button.vue",
}


#: Mixin name in the widgets' scripts (``mixins: [snbDrafts]``) → its file, beside this module.
MIXINS = {"snbDrafts": "drafts_mixin.js"}
_HERE = Path(__file__).parent
#: One ipyvue Template a file and process, shared by the widgets of a class (as ipyvue does).
_templates: dict[Path, Template] = {}


@cache
def part_sources() -> dict[str, str]:
    """``{tag: source of the .vue file}`` for every shared part (read once a process)."""
    return {tag: (_HERE / name).read_text(encoding="utf-8") for tag, name in PARTS.items()}


def template_source(vue_file: Path) -> str:
    """The text of the widget template ``vue_file`` as the browser gets it: the file with the
    mixins its script names (``mixins: [snbDrafts]``) written at the top of its ``<script>``,
    where its ``export default`` can use them."""
    text = vue_file.read_text(encoding="utf-8")
    used = [name for name in MIXINS if re.search(rf"mixins:\s*\[[^\]]*\b{name}\b", text)]
    if not used:
        return text
    mixins = "".join((_HERE / MIXINS[name]).read_text(encoding="utf-8") for name in used)
    head, script, rest = text.partition("<script>\n")
    if not script:
        raise ValueError(f"{vue_file.name} names a mixin but has no <script> to put it in")
    return head + script + mixins + rest


def widget_template(vue_file: Path) -> Template:
    """The ipyvue ``Template`` of ``vue_file`` with its mixins (see :func:`template_source`),
    made once a process and shared, as ipyvue shares the ones it reads from a ``template_file``;
    a closed one is made again."""
    text = template_source(vue_file)  # read again each time, as ipyvue does: edits show
    template = _templates.get(vue_file)
    if template is None or template.comm is None:
        template = Template(template=text, source_url=vue_file.name)
        _templates[vue_file] = template
    else:
        template.template = text
    return template


def shared_parts() -> Any:
    """A ``components`` trait for a widget class whose template uses the shared parts.

    It is ipyvue's own ``components`` trait (same serialization) with the parts as default,
    so every widget of the class sends them to the browser with its state.
    """
    return t.Dict(default_value=part_sources(), allow_none=True).tag(
        sync=True, **VueTemplate.class_component_serialization
    )
