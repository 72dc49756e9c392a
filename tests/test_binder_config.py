"""binder/ stays in step with pyproject.toml (scripts/check_binder.sh builds it for real)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
NOTEBOOK_EXTRAS = {"jupyterlab", "ipykernel", "matplotlib"}


def requirement_lines(text: str) -> dict[str, str]:
    """{normalised name: specifier} from requirement lines, comments dropped."""
    found = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)\s*(.*)", line)
            assert match, f"cannot read requirement {line!r}"
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            found[name] = match.group(2).replace(" ", "")
    return found


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_runtime_is_python_311() -> None:
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"


def test_requirements_are_the_runtime_deps_plus_notebook_tools() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    runtime = requirement_lines("\n".join(project["dependencies"]))
    dev = requirement_lines("\n".join(project["optional-dependencies"]["dev"]))
    # The excel extra (openpyxl): the copywriter notebook writes and reads an .xlsx.
    excel = requirement_lines("\n".join(project["optional-dependencies"]["excel"]))
    # The images extra (Pillow): the audit notebook hashes photos.
    images = requirement_lines("\n".join(project["optional-dependencies"]["images"]))
    binder = requirement_lines((BINDER / "requirements.txt").read_text(encoding="utf-8"))

    assert set(binder) == set(runtime) | set(excel) | set(images) | NOTEBOOK_EXTRAS
    for name, spec in {**runtime, **excel, **images}.items():
        assert binder[name] == spec, f"{name}: binder {binder[name]!r}, pyproject {spec!r}"
    for name in NOTEBOOK_EXTRAS:
        assert binder[name] == dev[name], f"{name}: binder {binder[name]!r}, dev {dev[name]!r}"
    for name, spec in binder.items():
        assert ">=" in spec, f"{name}: give it a lower bound"
        assert "<" in spec.replace("<=", ""), f"{name}: give it an upper bound (<)"


def test_post_build_installs_the_package_and_is_executable() -> None:
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable (chmod +x)"
    text = post_build.read_text(encoding="utf-8")
    assert text.startswith("#!")
    assert re.search(r"pip install [^\n]*--no-deps", text)
    assert "/lab/tree/notebooks/01_quick_start.ipynb" in text


def test_readme_badge_opens_the_quick_start() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(
        r"https://mybinder\.org/v2/gh/[^/\s]+/shoptet-nb/HEAD"
        r"\?urlpath=lab/tree/notebooks/01_quick_start\.ipynb",
        readme,
    )
