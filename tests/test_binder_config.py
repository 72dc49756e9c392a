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


def test_requirements_are_the_runtime_deps_plus_the_notebooks_extra() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    runtime = requirement_lines("\n".join(project["dependencies"]))
    extras = project["optional-dependencies"]
    # What scripts/demo.sh installs: openpyxl (the copywriter notebook), Pillow (the audit),
    # JupyterLab, ipykernel and matplotlib. Nothing dev-only.
    notebooks = requirement_lines("\n".join(extras["notebooks"]))
    binder = requirement_lines((BINDER / "requirements.txt").read_text(encoding="utf-8"))

    assert set(notebooks) >= NOTEBOOK_EXTRAS
    assert set(binder) == set(runtime) | set(notebooks)
    for name, spec in {**runtime, **notebooks}.items():
        assert binder[name] == spec, f"{name}: binder {binder[name]!r}, pyproject {spec!r}"
    # The notebooks extra carries the same bounds as the excel and images extras.
    for extra in ("excel", "images"):
        for name, spec in requirement_lines("\n".join(extras[extra])).items():
            assert notebooks[name] == spec, (
                f"{name}: notebooks {notebooks[name]!r}, {extra} {spec!r}"
            )
    assert "shoptet-nb[notebooks,docs]" in [item.replace(" ", "") for item in extras["dev"]]
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
    assert "scripts/jupyterlab-overrides.json" in text, "no news prompt on Binder either"


def test_readme_badge_opens_the_quick_start() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(
        r"https://mybinder\.org/v2/gh/[^/\s]+/shoptet-nb/HEAD"
        r"\?urlpath=lab/tree/notebooks/01_quick_start\.ipynb",
        readme,
    )
