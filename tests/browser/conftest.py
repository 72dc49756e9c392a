"""Fixtures of the real-browser tests: a loopback sandbox, Voila, JupyterLab and Chromium.

Every server binds 127.0.0.1 on a free port, gets its own JUPYTER_* directories, and is always
stopped (its whole process group: the server and the kernels it started). Chromium is Debian's
(``SHOPTET_NB_CHROMIUM``, default ``/usr/bin/chromium``); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: The sandbox catalogue the browser tests use: seed 38 has a 150-image gallery in 12 products.
SEED = 38
PRODUCTS = 12
TOKEN = "browser-test-token"

# The notebook the servers run. It reads its settings from Voila's query string (each page
# load is a fresh kernel) or from the environment (JupyterLab), and prints, after showing the
# editor, the kernel's clock when the cell finished: the start of the "usable in N s" figure.
NOTEBOOK_SETUP = """\
import os, time
from urllib.parse import parse_qs
from IPython.display import HTML, display
import shoptet_nb

query = {k: v[0] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}
def setting(name):
    return query.get(name) or os.environ.get("SNB_TEST_" + name.upper(), "")

if setting("mode") == "inprocess":
    client = shoptet_nb.sandbox(
        seed=int(setting("seed")), products=int(setting("products")), limits=False
    )
else:
    client = shoptet_nb.connect(setting("token"), base_url=setting("base_url"), max_attempts=1)
"""
#: Shown after the widget: the kernel's clock when the cell finished.
NOTEBOOK_DONE = """\
display(HTML(f'<div class="snb-test-done" data-t="{time.time() * 1000:.0f}" hidden></div>'))
"""
NOTEBOOK_SOURCE = (
    NOTEBOOK_SETUP
    + """\
audit = None
if setting("audit"):  # the image audit's sizes and marks on the cards
    import tempfile

    photos = shoptet_nb.read_images(client, [setting("guid")], progress=False)
    audit = shoptet_nb.audit_images(client, photos, cache=tempfile.mkdtemp(), progress=False)
editor = shoptet_nb.GalleryEditor(client, product=setting("guid"), journal=False, audit=audit)
display(editor)
"""
    + NOTEBOOK_DONE
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_notebook(folder: Path, name: str = "editor.ipynb", source: str = NOTEBOOK_SOURCE) -> Path:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "editor",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / name
    path.write_text(json.dumps(notebook, indent=1))
    return path


def jupyter_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment with private Jupyter directories (no leftover workspace or settings)."""
    env = dict(os.environ)
    for variable, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("IPYTHONDIR", "ipython"),
        ("SHOPTET_NB_JOURNAL_DIR", "journal"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[variable] = str(home / sub)
    for name in ("SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_ACCESS_TOKEN", "SHOPTET_BASE_URL"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@contextlib.contextmanager
def running(
    cmd: list[str], env: dict[str, str], cwd: Path, ready_url: str, log: Path, timeout: float = 90.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own process group, wait until ``ready_url`` answers 200, and
    stop the group (server and kernels) however the block ends."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[2]} exited early:\n{log.read_text()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(ready_url, timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[2]} not ready:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("SHOPTET_NB_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("SHOPTET_NB_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium not found at {executable}: apt-get install chromium fonts-liberation "
            "(or set SHOPTET_NB_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def shop_server() -> Iterator[Any]:
    """The sandbox shop served on 127.0.0.1, shared by the module's tests."""
    from shoptet_nb.sandbox import SandboxOptions, serve

    with serve(SandboxOptions(seed=SEED, products=PRODUCTS, limits=False)) as served:
        yield served


#: Front-end extensions Voila must not load. Voila 0.5 loads every federated extension of the
#: environment, and the dev environment also holds the docs toolchain's (mkdocs-jupyter brings
#: jupytext, whose extension needs shared modules Voila's page lacks: a console error on every
#: page). A user's Voila has no jupytext; the widgets' own extensions still load.
VOILA_WITHOUT = ("jupyterlab-jupytext",)


@contextlib.contextmanager
def voila_server(home: Path, notebook: Path, shop_server: Any) -> Iterator[str]:
    """Voila on ``notebook``, its widgets talking over HTTP to ``shop_server``; yields the URL."""
    port = free_port()
    env = jupyter_env(
        home, SNB_TEST_BASE_URL=shop_server.base_url, SNB_TEST_TOKEN=TOKEN, SNB_TEST_MODE="http"
    )
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in VOILA_WITHOUT),
    ]
    base = f"http://127.0.0.1:{port}"
    ready = f"{base}/voila/templates/lab/static/index.css"
    with running(cmd, env, home, ready, home / "voila.log"):
        yield base


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory, shop_server: Any) -> Iterator[str]:
    """A Voila server on the test notebook; each page load runs it in a fresh kernel."""
    home = tmp_path_factory.mktemp("voila")
    with voila_server(home, write_notebook(home), shop_server) as base:
        yield base


def biggest_gallery() -> tuple[str, list[dict[str, Any]]]:
    """The product of the test catalogue with the most images (150), and its images."""
    from shoptet_nb.sandbox import SandboxOptions, SandboxShop

    shop = SandboxShop(SandboxOptions(seed=SEED, products=PRODUCTS))
    galleries = {p["guid"]: shop.images(p["guid"]) for p in shop.products()}
    guid = max(galleries, key=lambda g: len(galleries[g]))
    return guid, galleries[guid]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A JupyterLab server (own directories) serving a copy of the test notebook and of
    notebook 04, shared by the module's tests (each opens its notebook with ``?reset``).

    The test notebook uses the in-process sandbox, as a user without a token would, on the
    product with the biggest gallery. Yields the base URL, the server token and that guid.
    """
    tmp_path = tmp_path_factory.mktemp("lab")
    write_notebook(tmp_path)
    shutil.copy(ROOT / "notebooks" / "04_gallery_editor.ipynb", tmp_path)
    guid, _ = biggest_gallery()
    settings = {"mode": "inprocess", "seed": str(SEED), "products": str(PRODUCTS), "guid": guid}
    with lab_server(tmp_path, settings) as (base, token):
        yield base, token, guid


@contextlib.contextmanager
def lab_server(root: Path, settings: dict[str, str]) -> Iterator[tuple[str, str]]:
    """JupyterLab (own directories) serving ``root``; ``settings`` reach the test notebook as
    ``SNB_TEST_<NAME>``. Yields the base URL and the server's token."""
    port = free_port()
    token = secrets.token_hex(16)
    env = jupyter_env(root / "home", **{f"SNB_TEST_{k.upper()}": v for k, v in settings.items()})
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={root}",
    ]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, env, root, f"{base}/api/status?token={token}", root / "lab.log"):
        yield base, token


#: Voila's template links Font Awesome from a public CDN; offline (aborted above) Chromium
#: logs "Failed to load resource" for each stylesheet. The only console error a test expects.
VOILA_ICON_FONT = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"


def is_voilas_icon_font(text: str, source: str) -> bool:
    """Whether a console error is the failed load of Voila's icon font stylesheets."""
    return text == "Failed to load resource: net::ERR_FAILED" and source.startswith(VOILA_ICON_FONT)


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser page that only reaches 127.0.0.1 and records dialogs and page errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    # Voila's template asks a CDN for a font: fail such requests at once instead of waiting.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.page_errors = []  # type: ignore[attr-defined]

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]

    def on_console(message: Any) -> None:
        # A widget's render error is logged, not thrown: every console error fails the test
        # (no_widget_errors) but the one expected, Voila's icon font stylesheet, aborted above.
        source = str((message.location or {}).get("url") or "")
        if message.type == "error" and not is_voilas_icon_font(message.text, source):
            page.console_errors.append(f"{message.text} ({source})")  # type: ignore[attr-defined]

    page.on("console", on_console)
    try:
        yield page
    finally:
        context.close()


# -- helpers shared by the browser test modules ---------------------------------------------------

#: Figures the browser tests measure (never assert): benchmarks/bench_widget.py and
#: bench_worklist.py print them.
FIGURES = Path(os.environ.get("SHOPTET_NB_ARTIFACTS", ROOT / "artifacts")) / "browser-figures.json"


def record_figure(name: str, value: Any) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True))
    print(f"{name}: {value}")


def no_widget_errors(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text("Click to show javascript error")).to_have_count(0)
    assert not page.dialogs, page.dialogs
    assert not page.page_errors, page.page_errors  # uncaught exceptions in the page
    assert not page.console_errors, page.console_errors  # errors a widget logged


def shot(page: Any, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


# The middle of the gap between a toolbar's text and its first button, and what is there: a
# blank part of a widget (no control, no text), where a click lands on no focusable element.
BLANK_SPOT_JS = """(bar, [text, button]) => {
  const left = bar.querySelector(text).getBoundingClientRect();
  const right = bar.querySelector(button).getBoundingClientRect();
  const x = (left.right + right.left) / 2;
  const y = (right.top + right.bottom) / 2;
  const hit = document.elementFromPoint(x, y);
  return { x: x, y: y, gap: right.left - left.right, blank: hit === bar };
}"""


def click_a_blank_part(page: Any, bar: Any, text: str, button: str) -> None:
    """Click the empty stretch of ``bar`` between its ``text`` and its first ``button``."""
    spot = bar.evaluate(BLANK_SPOT_JS, [text, button])
    assert spot["gap"] > 20, spot
    assert spot["blank"], spot
    page.mouse.click(spot["x"], spot["y"])


def undo_twice_from_a_blank_spot(page: Any, blank: Any) -> None:
    """Click a part of a widget that is no field or button, then press Ctrl+Z twice, as a user
    who wants the last two actions back does (the caller checks both were undone)."""
    blank.click()
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
