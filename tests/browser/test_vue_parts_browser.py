"""ipyvue's ``components`` trait on the pinned stack, in a real Chromium under Voila.

The two widgets share their action bar and plan preview as Vue sub-components handed to ipyvue
as SFC text in the ``components`` trait (``shoptet_nb.widgets.vue_parts``). This proves the
mechanism on a template of a few lines: the sub-component renders with its props, a Vuetify
component inside it resolves, its ``<style>`` applies, the parent's slot content shows, and an
event it emits reaches the kernel and comes back as a new prop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import no_widget_errors, shot, voila_server, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 90_000

PROBE_NOTEBOOK = '''\
import ipyvuetify  # noqa: F401  (registers the Vuetify front end)
import traitlets as t
from ipyvuetify.VuetifyTemplate import VuetifyTemplate

PART = """
<template>
  <div class="probe-part" role="group" aria-label="Probe part">
    <span class="probe-count">{{ count }}</span>
    <v-btn size="small" @click="$emit('bump', 2)">Bump</v-btn>
    <slot></slot>
  </div>
</template>
<script>
export default {
  props: { count: { type: Number, required: true } },
  emits: ["bump"],
};
</script>
<style>
.probe-part { border-top: 3px solid rgb(1, 2, 3); }
</style>
"""


class Probe(VuetifyTemplate):
    template = t.Unicode("""
<template>
  <div class="probe-root">
    <probe-part :count="count" @bump="onBump">
      <b class="probe-slot">slot {{ count }}</b>
    </probe-part>
  </div>
</template>
<script>
export default {
  methods: {
    onBump(step) { this.bump({ step: step }); },
  },
};
</script>
""").tag(sync=True)
    count = t.Int(0).tag(sync=True)

    def vue_bump(self, data):
        self.count += int(data["step"])


Probe(components={"probe-part": PART})
'''


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("voila-probe")
    with voila_server(home, write_notebook(home, "probe.ipynb", PROBE_NOTEBOOK), None) as base:
        yield base


def test_a_sub_component_from_the_components_trait_renders_and_talks_to_the_kernel(
    page: Any, voila: str, artifacts: Path
) -> None:
    page.goto(f"{voila}/", wait_until="commit")
    part = page.get_by_role("group", name="Probe part")
    expect(part.locator(".probe-count")).to_have_text("0", timeout=LOAD_MS)
    expect(part.locator(".probe-slot")).to_have_text("slot 0")  # the parent's slot content
    colour = part.evaluate("(el) => getComputedStyle(el).borderTopColor")
    assert colour == "rgb(1, 2, 3)"  # the sub-component's own <style>
    bump = part.get_by_role("button", name="Bump")
    expect(bump).to_have_class(re.compile(r"\bv-btn\b"))  # Vuetify inside the part
    bump.click()  # emitted to the parent, sent to the kernel, back as the prop
    expect(part.locator(".probe-count")).to_have_text("2")
    expect(part.locator(".probe-slot")).to_have_text("slot 2")
    shot(page, artifacts, "vue-parts-probe")
    no_widget_errors(page)
