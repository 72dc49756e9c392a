"""GalleryEditor in a real Chromium: Voila for the interactions, JupyterLab for a smoke test.

The Voila notebook talks over HTTP to a sandbox shop served on 127.0.0.1 by this process, so
after a save the test reads the shop's own state (``/_sandbox/stats`` and the store) and checks
that exactly the intended change landed. Timings are written to ``artifacts/browser-figures.json``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from shoptet_nb.edits import fewest_priority_changes

from .conftest import (
    PRODUCTS,
    ROOT,
    SEED,
    biggest_gallery,
    click_a_blank_part,
    lab_server,
    no_widget_errors,
    record_figure,
    shot,
    undo_twice_from_a_blank_spot,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MARKUP = "<img src=x onerror=alert(1)>"
PATCH = "PATCH /api/products/{guid}/images/{gallery}"
# Waits the page must reach before a test gives up: a kernel start and a first render.
LOAD_MS = 90_000
ACTION_MS = 30_000

# Readiness of a gallery: every card rendered and the last caption field enabled. Returns the
# browser's clock at that moment (polled every animation frame), or false.
USABLE_JS = """(n) => {
  const cards = document.querySelectorAll('.snb-editor .snb-card');
  if (cards.length !== n) return false;
  const last = cards[n - 1].querySelector('textarea');
  return last && !last.disabled && last.offsetParent !== null ? Date.now() : false;
}"""

THUMBS_JS = """(n) => {
  const imgs = [...document.querySelectorAll('.snb-editor .snb-card .snb-thumb img')].slice(0, n);
  return imgs.length === n && imgs.every((img) => img.complete && img.naturalWidth > 0);
}"""


def gallery_of(shop: Any, low: int, high: int, skip: int = 0) -> tuple[str, list[dict[str, Any]]]:
    """A product whose shop gallery has low..high images (the skip-th such product)."""
    found = [p["guid"] for p in shop.products() if low <= len(shop.images(p["guid"])) <= high]
    guid = found[skip]
    return guid, shop.images(guid)


FIRST_RENDER_JS = "() => document.querySelector('.snb-editor') ? Date.now() : false"


def open_in_voila(
    page: Any,
    voila: str,
    guid: str,
    count: int,
    timings: dict[str, int] | None = None,
    query: str = "",
) -> int:
    """Load the notebook for ``guid`` and wait until its ``count`` cards are usable."""
    page.goto(f"{voila}/?guid={guid}{query}", wait_until="commit")
    if timings is not None:
        timings["first_render"] = int(
            page.wait_for_function(FIRST_RENDER_JS, timeout=LOAD_MS, polling="raf").json_value()
        )
    ready_at = page.wait_for_function(
        USABLE_JS, arg=count, timeout=LOAD_MS, polling="raf"
    ).json_value()
    no_widget_errors(page)
    return int(ready_at)


def editor_of(page: Any) -> Any:
    return page.locator(".snb-editor")


def card_names(page: Any) -> list[str]:
    return [str(n) for n in editor_of(page).locator(".snb-card .snb-name").all_inner_texts()]


def card_of(page: Any, name: str) -> Any:
    return editor_of(page).locator(f'.snb-card[data-name="{name}"]')


def patch_count(base_url: str) -> int:
    stats = httpx.get(f"{base_url}/_sandbox/stats", timeout=10).json()
    return int(stats["requests"].get(PATCH, 0))


# The element the sticky action bar sticks within: its nearest ancestor that clips or scrolls.
STICKY_ANCESTOR_JS = """(el) => {
  const chain = [];
  let found = null;
  for (let a = el.parentElement; a; a = a.parentElement) {
    if (a === document.body || a === document.documentElement) break;
    const s = getComputedStyle(a);
    const scrolls = a.scrollHeight > a.clientHeight + 1;
    chain.push([String(a.className).slice(0, 60), s.overflowX, s.overflowY, scrolls]);
    if (!found && /(auto|scroll|hidden)/.test(s.overflowX + ' ' + s.overflowY)) {
      found = { element: String(a.className) || a.tagName, scrolls: scrolls };
    }
  }
  const page = document.scrollingElement.scrollHeight > innerHeight;
  return Object.assign(found || { element: 'document', scrolls: page }, { chain: chain });
}"""


def in_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(
        box
        and box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


def save_in_reach_at_the_last_card(page: Any, artifacts: Path, where: str) -> None:
    """Scroll to the last card: the action bar (pending count, Undo, Save) stays on screen."""
    editor = editor_of(page)
    bar = editor.locator(".snb-actionbar")
    ancestor = bar.evaluate(STICKY_ANCESTOR_JS)
    chain = ancestor.pop("chain")
    record_figure(f"sticky_ancestor_{where}", ancestor)
    # Sticking within a box that never scrolls would do nothing.
    assert ancestor["scrolls"], json.dumps(chain)
    last = editor.locator(".snb-card").last
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    save = editor.get_by_role("button", name="Save changes", exact=True)
    assert in_viewport(page, save), save.bounding_box()
    assert in_viewport(page, editor.locator(".snb-pending"))
    assert in_viewport(page, editor.get_by_role("button", name="Undo", exact=True))
    shot(page, artifacts, f"{where}-scrolled-to-last-card")


def ctrl_z_twice_from_the_widget(page: Any, names: list[str]) -> str:
    """Issue 15 item 14: Ctrl+Z undoes wherever the focus is in the editor but a text field, and
    keeps working: twice from a move button, twice from a blank part."""
    editor = editor_of(page)
    order = editor.locator(".snb-card .snb-name")
    one_move = [names[1], names[0], *names[2:]]
    # From a button: the same card down twice, so each undo moves the card holding the focus.
    down = editor.get_by_role("button", name=f"Move {names[0]} down", exact=True)
    down.click()
    expect(order).to_have_text(one_move)
    down.click()
    expect(order).to_have_text([names[1], names[2], names[0], *names[3:]])
    expect(down).to_be_focused()
    page.keyboard.press("Control+z")
    expect(order).to_have_text(one_move)
    page.keyboard.press("Control+z")
    expect(order).to_have_text(names)
    # From a blank part of the editor (the page or the cell had the focus before the fix).
    editor.get_by_role("button", name=f"Move {names[1]} up", exact=True).click()
    editor.get_by_role("button", name=f"Move {names[3]} up", exact=True).click()
    expect(order).to_have_text([names[1], names[0], names[3], names[2], *names[4:]])
    click_a_blank_part(page, editor.locator(".snb-bar"), ".snb-pending", ".v-btn")
    page.keyboard.press("Control+z")
    expect(order).to_have_text(one_move)
    page.keyboard.press("Control+z")
    expect(order).to_have_text(names)
    expect(editor.locator(".snb-pending")).to_have_text("No unsaved changes")
    # The focus stayed in the widget after those undos.
    assert editor.evaluate("(el) => el.contains(document.activeElement)")

    # In a caption field Ctrl+Z is the browser's own undo of the typing; the move stays.
    editor.get_by_role("button", name=f"Move {names[1]} up", exact=True).click()
    expect(order).to_have_text(one_move)
    moved = editor.locator(".snb-pending").inner_text()
    box = editor.get_by_label(f"Caption for {names[2]}", exact=True)
    before = box.input_value()
    box.click()
    box.press("Control+End")  # the end of the text, not of a wrapped line
    page.keyboard.type("x")
    expect(box).to_have_value(before + "x")
    page.keyboard.press("Control+z")
    expect(box).to_have_value(before)
    expect(order).to_have_text(one_move)
    expect(editor.locator(".snb-pending")).to_have_text(moved)
    return moved


# -- Voila ---------------------------------------------------------------------------------------


def test_large_gallery_is_usable_fast_and_typing_stays_local(
    page: Any, voila: str, shop_server: Any, artifacts: Path
) -> None:
    guid, images = gallery_of(shop_server.shop, 150, 150)
    frames: list[tuple[float, str]] = []

    def on_socket(ws: Any) -> None:
        ws.on("framesent", lambda payload: frames.append((time.monotonic(), str(payload))))

    page.on("websocket", on_socket)
    timings: dict[str, int] = {}
    ready_at = open_in_voila(page, voila, guid, len(images), timings)
    cell_done = int(page.locator(".snb-test-done").get_attribute("data-t"))
    record_figure(
        "voila_150_images_ms",
        {
            "cell_done_to_first_render": timings["first_render"] - cell_done,
            "first_render_to_usable": ready_at - timings["first_render"],
            "cell_done_to_usable": ready_at - cell_done,
            "load_average_1min": round(os.getloadavg()[0], 2),
        },
    )
    # The figures are recorded, not asserted: benchmarks/bench_widget.py prints them (a timed
    # assertion would judge the machine's neighbours as much as the widget).

    # Thumbnails come as data: URIs (the shop is on the kernel's loopback) and decode.
    page.wait_for_function(THUMBS_JS, arg=6, timeout=ACTION_MS)
    shot(page, artifacts, "gallery-150-images")

    # Typing: no kernel message per keystroke, and each keystroke is handled within a frame.
    name = images[2]["name"]
    box = editor_of(page).get_by_label(f"Caption for {name}", exact=True)
    box.click()
    box.press("Control+a")
    page.evaluate(
        """() => {
          window.__snbLatency = [];
          document.addEventListener('keydown', () => {
            const start = performance.now();
            requestAnimationFrame(() => setTimeout(() =>
              window.__snbLatency.push(performance.now() - start)));
          }, true);
          window.__snbEvents = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
              window.__snbEvents.push([e.name, e.duration, e.processingEnd - e.processingStart]);
            }
          }).observe({ type: 'event', durationThreshold: 16 });
        }"""
    )
    text = "Boční pohled na batoh, detail zipu"
    sent_before = sum("comm_msg" in p for _, p in frames)
    page.keyboard.type(text, delay=25)
    sent_while_typing = sum("comm_msg" in p for _, p in frames) - sent_before
    latency = page.evaluate("window.__snbLatency")
    events = page.evaluate("window.__snbEvents")  # Event Timing: only those of 16 ms or more
    assert box.input_value() == text
    latency.sort()
    record_figure(
        "keystroke_to_next_frame_ms_150_cards",
        {
            "keys": len(latency),
            "median": round(latency[len(latency) // 2], 1),
            "max": round(latency[-1], 1),
            "event_timing_max_duration": max((e[1] for e in events), default=0),
            "event_timing_max_handler_ms": round(max((e[2] for e in events), default=0), 1),
            "kernel_messages_while_typing": sent_while_typing,
        },
    )
    assert sent_while_typing == 0
    # The card is marked changed at once (locally) and the kernel gets the text on blur.
    expect(card_of(page, name).locator(".snb-edited")).to_contain_text("caption")
    box.press("Tab")
    editor = editor_of(page)
    expect(editor.locator(".snb-pending")).to_have_text("1 unsaved change")

    # Keyboard only: Tab reaches the card's buttons; focus follows the card as it moves.
    up = editor.get_by_role("button", name=f"Move {name} up", exact=True)
    expect(up).to_be_focused()
    page.keyboard.press("Enter")
    expect(editor.locator(".snb-card .snb-name").nth(1)).to_have_text(name)
    expect(up).to_be_focused()
    page.keyboard.press("Space")
    expect(editor.locator(".snb-card .snb-name").first).to_have_text(name)
    expect(up).to_be_disabled()  # first now: focus moved on to the next enabled button
    expect(editor.get_by_role("button", name=f"Move {name} down", exact=True)).to_be_focused()
    expect(card_of(page, name).get_by_role("img", name="Main image")).to_be_visible()
    save_in_reach_at_the_last_card(page, artifacts, "voila")
    no_widget_errors(page)


def test_edit_reorder_by_button_and_drag_then_save(
    page: Any, voila: str, shop_server: Any, artifacts: Path
) -> None:
    shop = shop_server.shop
    guid, before = gallery_of(shop, 7, 15)
    names = [i["name"] for i in before]
    open_in_voila(page, voila, guid, len(names))
    editor = editor_of(page)
    page.wait_for_function(THUMBS_JS, arg=len(names), timeout=ACTION_MS)

    caption = "Ruční šev – detail"
    editor.get_by_label(f"Caption for {names[1]}", exact=True).fill(caption)
    editor.get_by_role("button", name=f"Move {names[3]} up", exact=True).click()
    order = [names[0], names[1], names[3], names[2], *names[4:]]
    expect(editor.locator(".snb-card .snb-name")).to_have_text(order)
    # Drag the sixth picture onto the first card: it becomes the main image.
    card_of(page, names[5]).locator(".snb-thumb").drag_to(card_of(page, names[0]))
    order = [names[5], *[n for n in order if n != names[5]]]
    expect(editor.locator(".snb-card .snb-name")).to_have_text(order)
    expect(card_of(page, names[5]).get_by_role("img", name="Main image")).to_be_visible()
    expect(card_of(page, names[1]).locator(".snb-edited")).to_contain_text("caption")
    # Marked are exactly the photos Save will write: the moved ones' numbers and the caption.
    old_priority = {i["name"]: i["priority"] for i in before}
    written = set(fewest_priority_changes(old_priority, order)) | {names[1]}
    expect(editor.locator(".snb-card.snb-changed .snb-name")).to_have_count(len(written))
    marked = editor.locator(".snb-card.snb-changed .snb-name").all_inner_texts()
    assert set(marked) == written
    expect(editor.locator(".snb-pending")).to_contain_text(f"{len(written)} unsaved change")
    expect(editor.locator(".snb-edited", has_text="priority")).to_have_count(0)
    shot(page, artifacts, "edited-before-save")

    editor.get_by_role("button", name="Preview", exact=True).click()
    preview = editor.get_by_role("region", name="Preview of the changes")
    expect(preview).to_contain_text(caption)
    shot(page, artifacts, "preview")

    patches = patch_count(shop_server.base_url)
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text("Saved:", timeout=ACTION_MS)
    expect(editor.locator(".snb-pending")).to_have_text("No unsaved changes")
    shot(page, artifacts, "saved")

    # The shop holds exactly the intended change: the new order, one new caption, nothing else.
    after = shop.images(guid)
    assert [i["name"] for i in after] == order
    expected_priority = old_priority | fewest_priority_changes(old_priority, order)
    assert {i["name"]: i["priority"] for i in after} == expected_priority
    old_caption = {i["name"]: i["description"] for i in before}
    assert {i["name"]: i["description"] for i in after} == old_caption | {names[1]: caption}
    assert patch_count(shop_server.base_url) == patches + 1  # one PATCH for the gallery
    expect(card_of(page, names[1]).locator(".snb-outcome")).to_have_text("Saved")
    no_widget_errors(page)


def test_reload_conflicts_undo_and_one_move_on_a_gapped_gallery(
    page: Any, voila: str, shop_server: Any, artifacts: Path
) -> None:
    """Issue 9: pending edits are what the user did, against the shop as it is now."""
    shop = shop_server.shop
    used = {gallery_of(shop, 7, 15)[0], gallery_of(shop, 3, 15, skip=1)[0]}
    guid = next(  # not a product another test of the module needs as it is
        p["guid"]
        for p in shop.products()
        if p["guid"] not in used
        and 5 <= len(shop.images(p["guid"])) <= 15
        and not any("<" in (i["description"] or "") for i in shop.images(p["guid"]))
    )
    names = [i["name"] for i in shop.images(guid)]
    for position, name in enumerate(names, start=1):  # a gallery with gaps, as real shops have
        shop.set_image(guid, "shop", name, priority=position * 10)
    caption = shop.images(guid)[0]["description"] or ""
    open_in_voila(page, voila, guid, len(names))
    editor = editor_of(page)
    pending = editor.locator(".snb-pending")
    expect(pending).to_have_text("No unsaved changes")

    # One move on a gapped gallery is one change; Ctrl+Z (focus on the button) takes it back.
    up = editor.get_by_role("button", name=f"Move {names[3]} up", exact=True)
    up.click()
    expect(pending).to_have_text("1 unsaved change")
    # Marked is the one photo Save writes; the one that only shifted down keeps its number.
    expect(editor.locator(".snb-card.snb-changed .snb-name")).to_have_text([names[3]])
    expect(card_of(page, names[3]).locator(".snb-edited")).to_have_text("edited: position")
    expect(card_of(page, names[2]).locator(".snb-was")).to_have_count(0)
    expect(up).to_be_focused()
    page.keyboard.press("Control+z")
    expect(pending).to_have_text("No unsaved changes")
    expect(editor.locator(".snb-card .snb-name")).to_have_text(names)

    # The Undo button takes back the last action: here the caption typed after a move.
    up.click()
    box = editor.get_by_label(f"Caption for {names[0]}", exact=True)
    box.fill("mine")
    box.press("Tab")
    expect(pending).to_have_text("2 unsaved changes")
    editor.get_by_role("button", name="Undo", exact=True).click()
    expect(pending).to_have_text("1 unsaved change")
    expect(box).to_have_value(caption)

    # A colleague edits that caption in the admin while mine is pending: ⟳ shows a conflict.
    box.fill("mine")
    box.press("Tab")
    expect(pending).to_have_text("2 unsaved changes")
    shop.set_image(guid, "shop", names[0], description="a colleague's caption")
    editor.get_by_role("button", name="Reload from the shop", exact=True).click()
    conflict = card_of(page, names[0]).get_by_role("alert")
    expect(conflict).to_contain_text("shop says “a colleague's caption”, yours “mine”")
    expect(pending).to_have_text("2 unsaved changes (1 in conflict)")
    shot(page, artifacts, "conflict-shown")

    # Save sends the move, not the conflicted caption, and says so.
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text(
        "1 edit in conflict was not sent", timeout=ACTION_MS
    )
    stored = shop.images(guid)
    assert [i["name"] for i in stored] == [names[0], names[1], names[3], names[2], *names[4:]]
    assert stored[0]["description"] == "a colleague's caption"
    rewritten = [i["name"] for i in stored if i["priority"] != (names.index(i["name"]) + 1) * 10]
    assert rewritten == [names[3]]  # one photo written for one move
    # Two more moves, then Ctrl+Z twice after a click on a blank part: both are undone.
    shown = editor.locator(".snb-card .snb-name")
    order = shown.all_inner_texts()
    editor.get_by_role("button", name=f"Move {order[5]} up", exact=True).click()
    editor.get_by_role("button", name=f"Move {order[5]} up", exact=True).click()
    expect(shown.nth(3)).to_have_text(order[5])
    undo_twice_from_a_blank_spot(page, card_of(page, order[1]).locator(".snb-label"))
    expect(shown).to_have_text(order)
    expect(pending).to_have_text("1 unsaved change (1 in conflict)")
    expect(pending).to_have_text("1 unsaved change (1 in conflict)")
    card_of(page, names[0]).get_by_role(
        "button", name=f"Take the shop version of {names[0]}", exact=True
    ).click()
    expect(pending).to_have_text("No unsaved changes")
    expect(box).to_have_value("a colleague's caption")

    # A colleague reorders with nothing pending: ⟳ shows the shop as it is, 0 pending.
    shop.set_image(guid, "shop", names[-1], priority=1)
    editor.get_by_role("button", name="Reload from the shop", exact=True).click()
    expect(editor.locator(".snb-card .snb-name")).to_have_text(
        [i["name"] for i in shop.images(guid)]
    )
    expect(pending).to_have_text("No unsaved changes")
    expect(editor.locator(".snb-card.snb-changed")).to_have_count(0)
    shot(page, artifacts, "colleague-reorder-reloaded")
    no_widget_errors(page)


def test_server_error_shows_on_the_card_and_edits_stay(
    page: Any, voila: str, shop_server: Any, artifacts: Path
) -> None:
    shop = shop_server.shop
    guid, before = gallery_of(shop, 3, 15, skip=1)
    name = before[0]["name"]
    open_in_voila(page, voila, guid, len(before))
    editor = editor_of(page)
    box = editor.get_by_label(f"Caption for {name}", exact=True)
    box.fill("Caption that meets a server error")
    shop.set_options(fault_rate=1.0, fault_weights={"500": 1.0})
    try:
        editor.get_by_role("button", name="Save changes", exact=True).click()
        outcome = card_of(page, name).locator(".snb-outcome.snb-bad")
        expect(outcome).to_contain_text("Not saved", timeout=ACTION_MS)
        expect(outcome).to_contain_text("HTTP 500")
    finally:
        shop.set_options(fault_rate=0.0)
    expect(box).to_have_value("Caption that meets a server error")
    expect(editor.locator(".snb-pending")).to_have_text("1 unsaved change")
    expect(editor.locator(".snb-notice")).to_contain_text("edits are kept")
    assert shop.images(guid) == before
    shot(page, artifacts, "save-failed-edits-kept")

    # The server is back: the kept edit saves.
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text("Saved:", timeout=ACTION_MS)
    assert shop.images(guid)[0]["description"] == "Caption that meets a server error"

    # The product picker: search by name (accents ignored), open it, step back.
    other = next(p for p in shop.products() if p["guid"] != guid and shop.images(p["guid"]))
    word = other["name"].split()[0]
    editor.get_by_role("searchbox", name="Find a product").fill(word)
    editor.locator(".snb-result", has_text=other["name"]).first.click()
    expect(editor.locator(".snb-heading")).to_have_text(other["name"])
    expect(editor.locator(".snb-card")).to_have_count(len(shop.images(other["guid"])))
    editor.get_by_role("button", name="Previous product", exact=True).click()
    expect(editor.get_by_label(f"Caption for {name}", exact=True)).to_have_value(
        "Caption that meets a server error"
    )
    no_widget_errors(page)


def test_markup_caption_is_inert(page: Any, voila: str, shop_server: Any, artifacts: Path) -> None:
    shop = shop_server.shop
    guid = next(
        p["guid"]
        for p in shop.products()
        if any("<" in (i["description"] or "") for i in shop.images(p["guid"]))
    )
    images = shop.images(guid)
    open_in_voila(page, voila, guid, len(images))
    editor = editor_of(page)
    stored_markup = next(i for i in images if "<" in (i["description"] or ""))
    target = next(i for i in images if i["name"] != stored_markup["name"])["name"]

    box = editor.get_by_label(f"Caption for {target}", exact=True)
    box.fill(MARKUP)
    box.press("Tab")
    expect(card_of(page, target).locator(".snb-hint-markup")).to_be_visible()
    editor.get_by_role("button", name="Preview", exact=True).click()
    preview = editor.get_by_role("region", name="Preview of the changes")
    expect(preview.locator("ins")).to_have_text(MARKUP)
    expect(editor.get_by_label(f"Caption for {stored_markup['name']}", exact=True)).to_have_value(
        stored_markup["description"]
    )
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text("Saved:", timeout=ACTION_MS)
    expect(box).to_have_value(MARKUP)
    shot(page, artifacts, "markup-caption-inert")

    # Nothing ran and no element was made from the captions.
    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert editor.locator("b").count() == 0
    assert next(i for i in shop.images(guid) if i["name"] == target)["description"] == MARKUP
    no_widget_errors(page)


def test_ctrl_z_anywhere_in_the_editor_but_a_text_field(
    page: Any, voila: str, shop_server: Any, artifacts: Path
) -> None:
    guid, images = gallery_of(shop_server.shop, 5, 15, skip=2)
    names = [i["name"] for i in images]
    open_in_voila(page, voila, guid, len(names))
    moved = ctrl_z_twice_from_the_widget(page, names)
    # Outside the widget (the focus on the page) Ctrl+Z leaves the editor's edits alone.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Control+z")
    expect(editor_of(page).locator(".snb-pending")).to_have_text(moved)
    shot(page, artifacts, "editor-ctrl-z")
    no_widget_errors(page)


# -- JupyterLab ----------------------------------------------------------------------------------

NOTEBOOK_04 = ROOT / "notebooks" / "04_gallery_editor.ipynb"


def run_all_in_lab(page: Any, name: str) -> None:
    """Run every cell of the notebook ``name`` once it is the open, ready notebook."""
    page.evaluate(
        """async (name) => {
          const app = window.jupyterapp;
          let nb = app.shell.currentWidget;
          while (!nb || !nb.sessionContext || !nb.context || !nb.context.path.endsWith(name)) {
            await new Promise((r) => setTimeout(r, 100));
            nb = app.shell.currentWidget;
          }
          await nb.context.ready;
          await nb.sessionContext.ready;
          await app.commands.execute('notebook:run-all-cells');
        }""",
        name,
    )


def test_jupyterlab_smoke(page: Any, jupyterlab: tuple[str, str, str], artifacts: Path) -> None:
    """The surface users have: run the notebook in Lab, edit, save; time the 150-image load."""
    base, token, _ = jupyterlab
    _, images = biggest_gallery()
    page.goto(f"{base}/lab/tree/editor.ipynb?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LOAD_MS)
    run_all_in_lab(page, "editor.ipynb")
    first_render = int(
        page.wait_for_function(FIRST_RENDER_JS, timeout=LOAD_MS, polling="raf").json_value()
    )
    ready_at = int(
        page.wait_for_function(
            USABLE_JS, arg=len(images), timeout=LOAD_MS, polling="raf"
        ).json_value()
    )
    cell_done = int(page.locator(".snb-test-done").get_attribute("data-t"))
    figure = ready_at - cell_done
    record_figure(
        "jupyterlab_150_images_ms",
        {
            "cell_done_to_first_render": first_render - cell_done,
            "first_render_to_usable": ready_at - first_render,
            "cell_done_to_usable": figure,
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
        },
    )
    no_widget_errors(page)

    editor = editor_of(page)
    expect(editor.get_by_text("SANDBOX", exact=True)).to_be_visible()
    page.wait_for_function(THUMBS_JS, arg=4, timeout=ACTION_MS)
    first, second = images[0]["name"], images[1]["name"]

    # Ctrl+Z after a click on a blank part of the widget undoes here, twice in a row (Lab
    # would otherwise hand the keyboard to the notebook cell).
    box = editor.get_by_label(f"Caption for {second}", exact=True)
    original = box.input_value()
    box.fill("Typed, then undone")
    box.press("Tab")
    editor.get_by_role("button", name=f"Move {first} down", exact=True).click()
    expect(editor.locator(".snb-card .snb-name").first).to_have_text(second)
    undo_twice_from_a_blank_spot(page, card_of(page, images[3]["name"]).locator(".snb-label"))
    expect(editor.locator(".snb-card .snb-name").first).to_have_text(first)
    expect(box).to_have_value(original)
    expect(editor.locator(".snb-pending")).to_have_text("No unsaved changes")
    editor.get_by_label(f"Caption for {second}", exact=True).fill("Edited in JupyterLab")
    editor.get_by_role("button", name=f"Move {first} down", exact=True).click()
    expect(editor.locator(".snb-card .snb-name").first).to_have_text(second)
    shot(page, artifacts, "jupyterlab-edited")
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text("Saved:", timeout=ACTION_MS)
    expect(card_of(page, second).locator(".snb-outcome")).to_have_text("Saved")
    expect(editor.get_by_label(f"Caption for {second}", exact=True)).to_have_value(
        "Edited in JupyterLab"
    )
    shot(page, artifacts, "jupyterlab-saved")
    save_in_reach_at_the_last_card(page, artifacts, "jupyterlab")
    no_widget_errors(page)


def test_jupyterlab_run_all_of_notebook_04_leaves_no_phantom_edits(
    page: Any, jupyterlab: tuple[str, str, str], artifacts: Path
) -> None:
    """Run All of notebook 04 (edit, save, revert, reload from code) leaves no phantom edits.

    Each step of the notebook opens its own editor, so scrolling back shows that step's state:
    the first editor, which no later cell touches, shows nothing pending, and so does the last
    (a conflict resolved with Take theirs)."""
    base, token, _ = jupyterlab
    page.goto(
        f"{base}/lab/tree/{NOTEBOOK_04.name}?token={token}&reset", wait_until="domcontentloaded"
    )
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LOAD_MS)
    run_all_in_lab(page, NOTEBOOK_04.name)
    last_cell = page.locator(".jp-Cell").last
    # The notebook's last cell prints its editor's pending text once everything has run.
    printed = last_cell.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
    )
    expect(printed).to_contain_text("No unsaved changes", timeout=LOAD_MS)
    for editor in (editor_of(page).first, last_cell.locator(".snb-editor")):
        expect(editor.locator(".snb-card").first).to_be_visible(timeout=LOAD_MS)
        expect(editor.locator(".snb-pending")).to_have_text("No unsaved changes")
        expect(editor.locator(".snb-card.snb-changed")).to_have_count(0)
        expect(editor.locator(".snb-card .snb-was")).to_have_count(0)
        expect(editor.locator(".snb-card .snb-outcome")).to_have_count(0)
    editor = editor_of(page).first
    editor.locator(".snb-top").evaluate("(el) => el.scrollIntoView({block: 'start'})")
    expect(editor.locator(".snb-top")).to_be_in_viewport()
    shot(page, artifacts, "jupyterlab-notebook-04-run-all")
    no_widget_errors(page)


def test_cards_show_the_image_audits_size_and_marks(
    page: Any, voila: str, shop_server: Any, artifacts: Path
) -> None:
    shop = shop_server.shop
    guid, before = gallery_of(shop, 4, 15)
    open_in_voila(page, voila, guid, len(before), query="&audit=1")
    editor = editor_of(page)
    sizes = editor.locator(".snb-card .snb-size")
    expect(sizes).to_have_count(len(before), timeout=ACTION_MS)
    for image, text in zip(before, sizes.all_inner_texts(), strict=True):
        photo = shop.photo(image["name"])
        assert text == f"{photo.width} × {photo.height} px", (image["name"], text)
    shot(page, artifacts, "editor-audit-marks")
    no_widget_errors(page)


@pytest.fixture
def small_lab(tmp_path: Path) -> Iterator[tuple[str, str, list[str]]]:
    """A JupyterLab of its own on a product with a short gallery: the module's shared server
    still has the kernels of earlier tests, whose editors a reopened notebook shows again."""
    from shoptet_nb.sandbox import SandboxOptions, SandboxShop

    shop = SandboxShop(SandboxOptions(seed=SEED, products=PRODUCTS))
    guid, images = gallery_of(shop, 6, 12)
    write_notebook(tmp_path)
    settings = {"mode": "inprocess", "seed": str(SEED), "products": str(PRODUCTS), "guid": guid}
    with lab_server(tmp_path, settings) as (base, token):
        yield base, token, [image["name"] for image in images]


def test_jupyterlab_ctrl_z_anywhere_in_the_editor_but_a_text_field(
    page: Any, small_lab: tuple[str, str, list[str]], artifacts: Path
) -> None:
    """In Lab a click on a blank part of an output gives the focus to the notebook cell unless
    the widget takes it; Ctrl+Z in another cell must not reach the widget."""
    base, token, names = small_lab
    page.goto(f"{base}/lab/tree/editor.ipynb?token={token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LOAD_MS)
    run_all_in_lab(page, "editor.ipynb")
    page.wait_for_function(USABLE_JS, arg=len(names), timeout=LOAD_MS, polling="raf")
    no_widget_errors(page)
    moved = ctrl_z_twice_from_the_widget(page, names)
    # The cell's prompt: the notebook in command mode, the focus on the cell, not the widget.
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Control+z")
    expect(editor_of(page).locator(".snb-pending")).to_have_text(moved)
    shot(page, artifacts, "jupyterlab-editor-ctrl-z")
    no_widget_errors(page)
