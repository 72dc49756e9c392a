"""The gallery editor's "Add photos" and "Delete" in a real Chromium, in Voila and JupyterLab:
add a staged URL, mark a photo for delete (Ctrl+Z brings it back), see both pending and in the
preview, save, reload, and see the shop's truth: the new photo, the deleted one gone, nothing
pending."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from shoptet_nb.sandbox.pictures import picture

from .conftest import (
    NOTEBOOK_DONE,
    NOTEBOOK_SETUP,
    is_voilas_icon_font,
    lab_server,
    no_widget_errors,
    shot,
)
from .test_gallery_editor_browser import ACTION_MS, LOAD_MS, card_of, editor_of, open_in_voila

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DELETING = re.compile(r"\bsnb-deleting\b")

#: The JupyterLab notebook: an in-process sandbox, a staged photo (its URL in a hidden div for
#: the test to type), the editor with the sandbox's stager.
LAB_SOURCE = (
    NOTEBOOK_SETUP
    + """\
shop = client.sandbox
guid = next(p["guid"] for p in shop.products() if 3 <= len(shop.images(p["guid"])) <= 8)
for product in shop.products():
    if product["guid"] == guid:
        for code in product["codes"]:
            shop.set_variant_image(guid, code, None)
from shoptet_nb.sandbox.pictures import picture
url = shop.stage(picture("lab-supplier", 48, 32))
display(HTML(f'<div class="snb-test-url" data-url="{url}" hidden></div>'))
editor = shoptet_nb.GalleryEditor(client, product=guid, journal=False, stage=shop.stage)
display(editor)
"""
    + NOTEBOOK_DONE
)


#: A second notebook on the same Lab server: a product a variant shows a photo of, two staged
#: photos (their URLs and the variant's code in a hidden div for the test).
APPROVE_SOURCE = (
    NOTEBOOK_SETUP
    + """\
import json
shop = client.sandbox
product = next(
    p for p in shop.products() if len(p["codes"]) > 1 and 3 <= len(shop.images(p["guid"])) <= 8
)
guid, code = product["guid"], product["codes"][0]
for other in product["codes"]:
    shop.set_variant_image(guid, other, None)
shop.set_variant_image(guid, code, shop.images(guid)[1]["name"])
from shoptet_nb.sandbox.pictures import picture
urls = [shop.stage(picture("lab-one", 48, 32)), shop.stage(picture("lab-two", 40, 44))]
display(HTML(
    f'<div class="snb-test-urls" data-urls="{" ".join(urls)}" data-code="{code}" hidden></div>'
))
editor = shoptet_nb.GalleryEditor(client, product=guid, journal=False, stage=shop.stage)
display(editor)
"""
    + NOTEBOOK_DONE
)

#: Printed by the kernel on request: the shop's own truth (not the editor's).
SHOP_TRUTH = """\
print(json.dumps({
    "photos": [[i["name"], i.get("description") or ""] for i in shop.images(guid)],
    "variant": shop.variant_images(guid).get(code),
    "pending": editor.pending,
}))
"""


def kernel_prints(page: Any, name: str, code: str) -> str:
    """Run ``code`` in the kernel of the open notebook ``name``; what it printed."""
    return str(
        page.evaluate(
            """async ([name, code]) => {
              const nb = window.jupyterapp.shell.currentWidget;
              if (!nb.context.path.endsWith(name)) throw new Error('not ' + name);
              const future = nb.sessionContext.session.kernel.requestExecute({ code });
              let out = '';
              future.onIOPub = (msg) => {
                if (msg.header.msg_type === 'stream') out += msg.content.text;
              };
              await future.done;
              return out;
            }""",
            [name, code],
        )
    )


def add_and_delete_then_save(
    page: Any, url: str, names: list[str], artifacts: Path, where: str, file: bytes | None = None
) -> None:
    """The user's steps, up to the saved notice (``file``: also pick a file to add)."""
    editor = editor_of(page)
    gone = names[1]
    editor.get_by_role("button", name="Add photos").click()
    editor.get_by_label("Photo URLs to add, one per line").fill(url)
    editor.get_by_role("button", name="Add URLs").click()
    placeholder = editor.locator(".snb-new")
    expect(placeholder).to_have_count(1, timeout=ACTION_MS)
    expect(placeholder.locator(".snb-name")).to_have_text(url)
    if file is not None:  # the browser reads the picked file and sends it to the kernel
        editor.get_by_label("Photo files to add").set_input_files(
            files=[{"name": "picked.png", "mimeType": "image/png", "buffer": file}]
        )
        expect(placeholder).to_have_count(2, timeout=ACTION_MS)
        expect(placeholder.last.locator(".snb-name")).to_have_text("picked.png")
    adds = 1 if file is None else 2

    delete = editor.get_by_role("button", name=f"Delete {gone}", exact=True)
    delete.click()
    card = card_of(page, gone)
    expect(card).to_have_class(DELETING)  # marked, not removed
    expect(card.locator(".snb-delete-mark")).to_be_visible()
    expect(editor.locator(".snb-pending")).to_have_text(f"{adds + 1} unsaved changes")
    # Ctrl+Z from a blank part brings the photo back; marking it again is one click.
    card.locator(".snb-head").click()
    page.keyboard.press("Control+z")
    expect(card).not_to_have_class(DELETING)
    expect(editor.locator(".snb-pending")).to_have_text(
        "1 unsaved change" if adds == 1 else f"{adds} unsaved changes"
    )
    editor.get_by_role("button", name=f"Delete {gone}", exact=True).click()
    expect(card).to_have_class(DELETING)
    expect(editor.locator(".snb-pending")).to_have_text(f"{adds + 1} unsaved changes")

    editor.get_by_role("button", name="Preview", exact=True).click()
    preview = editor.locator(".snb-preview")
    expect(preview).to_contain_text(f"add: {url}", timeout=ACTION_MS)
    expect(preview).to_contain_text(f"delete: {gone}")
    expect(preview).to_contain_text("would add")
    expect(preview).to_contain_text("would delete")
    shot(page, artifacts, f"{where}-photos-pending")
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text(
        f"Photos: {adds} added, 1 deleted", timeout=ACTION_MS
    )
    no_widget_errors(page)


def expect_the_shop_truth(page: Any, now: list[str], gone: str) -> None:
    """After a reload: the cards are the shop's photos, the new one last, nothing pending."""
    editor = editor_of(page)
    expect(editor.locator(".snb-card:not(.snb-new) .snb-name")).to_have_text(now)
    expect(card_of(page, gone)).to_have_count(0)
    expect(editor.locator(".snb-new")).to_have_count(0)
    expect(editor.locator(".snb-deleting")).to_have_count(0)
    expect(editor.locator(".snb-pending")).to_have_text("No unsaved changes")


def second_page(page: Any) -> Any:
    """Another tab of the same browser, watched as the ``page`` fixture watches its own.

    A reload opens it rather than navigating the first: leaving a Voila page asks the server to
    shut its kernel down, which Voila refuses (403) with a console error of its own."""
    other = page.context.new_page()
    other.dialogs, other.page_errors, other.console_errors = [], [], []
    other.on("dialog", lambda dialog: (other.dialogs.append(dialog.message), dialog.dismiss()))
    other.on("pageerror", lambda error: other.page_errors.append(str(error)))

    def on_console(message: Any) -> None:
        source = str((message.location or {}).get("url") or "")
        if message.type == "error" and not is_voilas_icon_font(message.text, source):
            other.console_errors.append(f"{message.text} ({source})")

    other.on("console", on_console)
    return other


def test_add_and_delete_in_voila(page: Any, voila: str, shop_server: Any, artifacts: Path) -> None:
    shop = shop_server.shop
    guid = next(p["guid"] for p in shop.products() if 3 <= len(shop.images(p["guid"])) <= 8)
    for product in shop.products():
        if product["guid"] == guid:
            for code in product["codes"]:
                shop.set_variant_image(guid, code, None)  # no variant blocks the delete
    names = [i["name"] for i in shop.images(guid)]
    # Served over loopback: the kernel's client fetches it to hash it, the shop's job too.
    url = shop.stage(picture("voila-supplier", 48, 32), base=shop_server.base_url)
    open_in_voila(page, voila, guid, len(names))
    add_and_delete_then_save(page, url, names, artifacts, "voila")

    now = [i["name"] for i in shop.images(guid)]
    assert names[1] not in now
    assert now[:-1] == [n for n in names if n != names[1]]
    reloaded = second_page(page)
    open_in_voila(reloaded, voila, guid, len(now))  # a fresh kernel reads the shop
    expect_the_shop_truth(reloaded, now, names[1])
    shot(reloaded, artifacts, "voila-photos-after-reload")
    no_widget_errors(reloaded)


@pytest.fixture(scope="module")
def photos_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from .conftest import PRODUCTS, SEED, write_notebook

    root = tmp_path_factory.mktemp("lab-photos")
    write_notebook(root, "photos.ipynb", LAB_SOURCE)
    write_notebook(root, "approve.ipynb", APPROVE_SOURCE)
    settings = {"mode": "inprocess", "seed": str(SEED), "products": str(PRODUCTS)}
    with lab_server(root, settings) as (base, token):
        yield base, token


def open_in_lab(page: Any, lab: tuple[str, str], name: str) -> None:
    """Open notebook ``name`` on the shared Lab server and run its cells."""
    from .test_gallery_editor_browser import run_all_in_lab

    base, token = lab
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LOAD_MS)
    run_all_in_lab(page, name)


def test_add_and_delete_in_jupyterlab(
    page: Any, photos_lab: tuple[str, str], artifacts: Path
) -> None:
    open_in_lab(page, photos_lab, "photos.ipynb")
    url_box = page.locator(".snb-test-url")
    expect(url_box).to_have_count(1, timeout=LOAD_MS)
    url = str(url_box.get_attribute("data-url"))
    editor = editor_of(page)
    expect(editor.locator(".snb-card").first).to_be_visible(timeout=LOAD_MS)
    names = [str(n) for n in editor.locator(".snb-card .snb-name").all_inner_texts()]
    no_widget_errors(page)
    file = picture("lab-picked", 40, 40)
    add_and_delete_then_save(page, url, names, artifacts, "jupyterlab", file)

    editor.get_by_role("button", name="Reload from the shop").click()
    expect(editor.locator(".snb-notice")).to_contain_text("Reloaded", timeout=ACTION_MS)
    kept = [n for n in names if n != names[1]]
    now = [str(n) for n in editor.locator(".snb-card .snb-name").all_inner_texts()]
    assert now[:-2] == kept
    assert not set(now[-2:]) & set(names)  # the new photos, under the names the shop gave them
    expect_the_shop_truth(page, now, names[1])
    shot(page, artifacts, "jupyterlab-photos-after-reload")
    no_widget_errors(page)


def test_placed_captioned_adds_and_an_approved_blocked_delete_in_jupyterlab(
    page: Any, photos_lab: tuple[str, str], artifacts: Path
) -> None:
    """Two URLs, one captioned and made first; a delete a variant blocks, approved, the approval
    undone with Ctrl+Z and given again; Save; Reload: screen and shop agree, nothing pending."""
    import json

    open_in_lab(page, photos_lab, "approve.ipynb")
    box = page.locator(".snb-test-urls")
    expect(box).to_have_count(1, timeout=LOAD_MS)
    urls = str(box.get_attribute("data-urls")).split()
    code = str(box.get_attribute("data-code"))
    editor = editor_of(page)
    expect(editor.locator(".snb-card").first).to_be_visible(timeout=LOAD_MS)
    names = [str(n) for n in editor.locator(".snb-card .snb-name").all_inner_texts()]
    blocked = names[1]
    caption = "Lab <b>first</b> & caption"

    editor.get_by_role("button", name="Add photos").click()
    editor.get_by_label("Photo URLs to add, one per line").fill("\n".join(urls))
    editor.get_by_role("button", name="Add URLs").click()
    expect(editor.locator(".snb-new")).to_have_count(2, timeout=ACTION_MS)
    second = editor.get_by_role("group", name=f"Photo to add: {urls[1]}")
    second.get_by_label(f"Caption of the photo to add {urls[1]}").fill(caption)
    second.get_by_label(f"Caption of the photo to add {urls[1]}").press("Tab")  # change
    second.get_by_role("button", name=f"Make {urls[1]} the main image").click()
    expect(second.locator(".snb-pos")).to_have_text("+1", timeout=ACTION_MS)
    expect(second.get_by_role("img", name="Main image")).to_have_count(1)
    expect(editor.locator(".snb-card:not(.snb-new) .snb-star")).to_have_count(0)

    editor.get_by_role("button", name=f"Delete {blocked}", exact=True).click()
    editor.get_by_role("button", name="Preview", exact=True).click()
    card = card_of(page, blocked)
    approve = card.get_by_role(
        "button", name=f"Delete anyway (clear the variants' reference) {blocked}"
    )
    expect(card.locator(".snb-blocked")).to_contain_text(code, timeout=ACTION_MS)
    approve.click()
    expect(card.locator(".snb-blocked")).to_contain_text("clears the reference", timeout=ACTION_MS)
    card.locator(".snb-head").click()  # a blank part: Ctrl+Z is the editor's
    page.keyboard.press("Control+z")
    expect(approve).to_be_visible(timeout=ACTION_MS)  # the approval is taken back
    expect(card).to_have_class(DELETING)  # the delete mark stays
    approve.click()
    expect(card.locator(".snb-blocked")).to_contain_text("clears the reference", timeout=ACTION_MS)
    shot(page, artifacts, "jupyterlab-approve-pending")

    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor.locator(".snb-notice")).to_contain_text(
        "Photos: 2 added, 1 deleted", timeout=ACTION_MS
    )
    editor.get_by_role("button", name="Reload from the shop").click()
    expect(editor.locator(".snb-notice")).to_contain_text("Reloaded", timeout=ACTION_MS)
    truth = json.loads(kernel_prints(page, "approve.ipynb", SHOP_TRUTH))
    shop_names = [n for n, _ in truth["photos"]]
    assert blocked not in shop_names
    assert truth["variant"] in (None, "")  # the approved reference, cleared
    assert truth["pending"] == 0
    assert truth["photos"][0][1] == caption  # the captioned add, first
    assert shop_names[1:-1] == [n for n in names if n != blocked]
    cards = editor.locator(".snb-card:not(.snb-new)")
    expect(cards.locator(".snb-name")).to_have_text(shop_names)
    expect(cards.first.locator("textarea")).to_have_value(caption)
    expect(editor.locator(".snb-new")).to_have_count(0)
    expect(editor.locator(".snb-pending")).to_have_text("No unsaved changes")
    shot(page, artifacts, "jupyterlab-approve-after-reload")
    no_widget_errors(page)
