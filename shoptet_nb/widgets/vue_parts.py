"""The Vue parts the gallery editor and the caption worklist share, as ipyvue sub-components.

Each part is a ``.vue`` file beside this module. ipyvue compiles a string value of a template
widget's ``components`` trait in the browser as a single-file component and registers it under
its key, so a template uses ``<snb-action-bar>`` like any tag (proved on the pinned ipyvue in
``tests/browser/test_vue_parts_browser.py``). A widget's class takes the parts with
``components = shared_parts()``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import traitlets as t
from ipyvue.VueTemplateWidget import VueTemplate

#: Tag in the widgets' templates → the file of the part, beside this module.
PARTS = {
    "snb-action-bar": "action_bar.vue",
    "snb-plan-preview": "plan_preview.vue",
    "snb-sandbox-chip": "sandbox_chip.vue",
    "snb-reload-button": "reload_button.vue",
}


@cache
def part_sources() -> dict[str, str]:
    """``{tag: source of the .vue file}`` for every shared part (read once a process)."""
    here = Path(__file__).parent
    return {tag: (here / name).read_text(encoding="utf-8") for tag, name in PARTS.items()}


def shared_parts() -> Any:
    """A ``components`` trait for a widget class whose template uses the shared parts.

    It is ipyvue's own ``components`` trait (same serialization) with the parts as default,
    so every widget of the class sends them to the browser with its state.
    """
    return t.Dict(default_value=part_sources(), allow_none=True).tag(
        sync=True, **VueTemplate.class_component_serialization
    )
