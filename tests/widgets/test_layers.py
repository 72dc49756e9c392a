"""The layers under the widgets (issue 16), kept by tests.

- ``shoptet_nb.editing`` (the editor without a screen) loads no widget library;
- ``shoptet_nb.widgets`` imports nothing at run time from ``read``, ``plan``, ``apply``,
  ``write`` or ``journal``: reading, planning and saving go through the session;
- no test replaces the apply function: tests hand fakes to ``EditSession(apply=...)``;
- the duplicate finder shows no pair across the two widgets' Python files.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import shoptet_nb

PACKAGE = Path(shoptet_nb.__file__).parent
TESTS = Path(__file__).resolve().parents[1]
#: Modules the widgets must not import at run time (the session does that work).
BELOW_THE_SESSION = ("read", "plan", "apply", "write", "journal")


def import_graph_test() -> ModuleType:
    """The import graph's test module, whose reading of imports this test shares."""
    spec = importlib.util.spec_from_file_location("graph", TESTS / "write" / "test_import_graph.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRAPH = import_graph_test()
MODULES = {GRAPH._module_name(path) for path in PACKAGE.rglob("*.py")}


def forbidden(source: str, module: str) -> list[str]:
    """The modules below the session that ``source`` (the text of ``module``) imports at run
    time (anywhere but under ``if TYPE_CHECKING:``)."""
    found = GRAPH._imports(
        ast.parse(source), module, module.endswith("__init__"), MODULES, type_only=False
    )
    return sorted(m for m in found if m.split(".")[:2][-1] in BELOW_THE_SESSION)


def test_the_editing_package_loads_no_widget_library() -> None:
    code = (
        "import sys, shoptet_nb.editing as e, shoptet_nb; "
        "from shoptet_nb.editing import session, saving, loading, inputs, catalogue, wording; "
        "from shoptet_nb.editing import languages, worklist_rows; "
        "print(sorted(m for m in ('ipywidgets', 'ipyvuetify', 'ipyvue', 'traitlets') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_rule_finds_what_it_forbids() -> None:
    sample = (
        "from typing import TYPE_CHECKING\n"
        "from ..editing import EditSession\n"
        "from .base import EditingWidget\n"
        "if TYPE_CHECKING:\n    from ..plan import Plan\n"
        "def f():\n    from ..read import read_images\n    from shoptet_nb.write import apply\n"
    )
    found = forbidden(sample, "shoptet_nb.widgets.view")
    assert found == ["shoptet_nb.read", "shoptet_nb.write"]


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda path: path.name
)
def test_widgets_import_nothing_below_the_session(path: Path) -> None:
    found = forbidden(path.read_text(encoding="utf-8"), GRAPH._module_name(path))
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
