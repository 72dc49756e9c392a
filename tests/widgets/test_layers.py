"""The layers under the widgets (issue 16), kept by tests.

- ``shoptet_nb.editing`` (the editor without a screen) loads no widget library;
- ``shoptet_nb.widgets`` imports nothing at run time from ``read``, ``plan``, ``apply``,
  ``write`` or ``journal``: reading, planning and saving go through the session;
- no test replaces the apply function: tests hand fakes to ``EditSession(apply=...)``;
- the duplicate finder shows no pair across the two widgets' Python files.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import shoptet_nb

PACKAGE = Path(shoptet_nb.__file__).parent
TESTS = Path(__file__).resolve().parents[1]
#: Modules the widgets must not import at run time (the session does that work).
BELOW_THE_SESSION = ("read", "plan", "apply", "write", "journal")


def runtime_imports(path: Path) -> list[str]:
    """The modules a file imports outside ``if TYPE_CHECKING:``, relative ones as ``..name``."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = "." * node.level + (node.module or "")
            found.extend(f"{origin}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def below_the_session(name: str) -> bool:
    """Whether an import (as :func:`runtime_imports` gives it) reaches a forbidden module."""
    parts = name.lstrip(".").split(".")
    absolute = name.startswith("shoptet_nb.")
    if absolute:
        parts = parts[1:]
    elif not name.startswith(".."):
        return False  # a sibling in widgets/, or another package
    return bool(parts) and parts[0] in BELOW_THE_SESSION


def test_the_editing_package_loads_no_widget_library() -> None:
    code = (
        "import sys, shoptet_nb.editing as e, shoptet_nb; "
        "from shoptet_nb.editing import session, saving, loading, inputs, catalogue, wording; "
        "print(sorted(m for m in ('ipywidgets', 'ipyvuetify', 'ipyvue', 'traitlets') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_rule_finds_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "view.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from ..editing import EditSession\n"
        "from .base import EditingWidget\n"
        "if TYPE_CHECKING:\n    from ..plan import Plan\n"
        "def f():\n    from ..read import read_images\n    from shoptet_nb.write import apply\n",
        encoding="utf-8",
    )
    found = [name for name in runtime_imports(sample) if below_the_session(name)]
    assert found == ["..read.read_images", "shoptet_nb.write.apply"]


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda path: path.name
)
def test_widgets_import_nothing_below_the_session(path: Path) -> None:
    found = [name for name in runtime_imports(path) if below_the_session(name)]
    assert found == [], f"{path.name} reads, plans or writes itself: go through EditSession"


def test_no_test_replaces_the_apply_function() -> None:
    patched = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not ast.unparse(node.func).endswith("setattr"):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if any(isinstance(t, str) and (t == "apply" or t.endswith(".apply")) for t in texts):
                patched.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert patched == [], "hand a fake to EditSession(apply=...) instead"


def test_the_two_widgets_share_no_duplicated_code(tmp_path: Path) -> None:
    tool = shutil.which("duplicates")
    if tool is None:
        pytest.skip("the duplicate finder is not installed here")
    for name in ("gallery_editor.py", "caption_worklist.py"):
        shutil.copy(PACKAGE / "widgets" / name, tmp_path / name)
    out = subprocess.run(
        [tool, "--repo", str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("no duplicates"), out
