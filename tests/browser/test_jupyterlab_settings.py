"""JupyterLab as the demo opens it: no "official Jupyter news?" prompt.

scripts/setup.sh installs scripts/jupyterlab-overrides.json as the environment's JupyterLab
overrides (fetchNews "false", no update check); the server here runs from that environment
with private user settings, as a first-time user's would be.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_jupyterlab_does_not_ask_about_news(jupyterlab: tuple[str, str, str], page: Any) -> None:
    base, token, _ = jupyterlab
    answer = httpx.get(f"{base}/lab/api/settings/{NOTIFICATION}", params={"token": token})
    answer.raise_for_status()
    schema = answer.json()["schema"]["properties"]
    assert schema["fetchNews"]["default"] == "false", "the overrides did not reach JupyterLab"
    assert schema["checkForUpdates"]["default"] is False

    page.goto(f"{base}/lab?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    # The prompt is a toast shown once the app has started; give it time to appear.
    page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    time.sleep(3)
    assert page.get_by_text("official Jupyter news").count() == 0
