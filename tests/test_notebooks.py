"""The notebooks in notebooks/: they run afresh against the sandbox, and what is stored is clean.

Regenerate the stored outputs with `bash scripts/regenerate_notebooks.sh`.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
QUICK_START = NOTEBOOK_DIR / "01_quick_start.ipynb"

TOKEN_ENV_VARS = ("SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_ACCESS_TOKEN")
ALLOWED_ERROR_TAG = "raises-exception"
CELL_TIMEOUT_S = 300

SHOPTET_TOKEN = re.compile(r"\b\d+-[ap]-\d+-[0-9a-f]{32}\b")
# A literal value after a token header name: quoted, as in a dict or its repr (a variable
# name there is fine), or bare, as in an HTTP header dump.
TOKEN_HEADER_VALUE = re.compile(
    r"Shoptet-(?:Private-API|Access)-Token"
    r"(?:['\"]\s*[:=,]\s*['\"]([^'\"]*)['\"]|:[ \t]*([^\s'\",})\]]+))",
    re.IGNORECASE,
)
# What a redacted value may look like.
REDACTED = re.compile(r"[*xX.…<>_-]*|.*(?:redact|hidden|your|\.\.\.|\*\*\*).*", re.IGNORECASE)
MACHINE_PATHS = ("/root/", "/home/", "/tmp/", "/work/", "/Users/")

ids = [path.name for path in NOTEBOOKS]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> Iterator[tuple[int, Any]]:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            yield index, cell


def may_raise(cell: Any) -> bool:
    return ALLOWED_ERROR_TAG in cell.metadata.get("tags", [])


def strings(node: Any) -> Iterator[str]:
    """Every string in a JSON-like tree, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def unexpected_errors(nb: nbformat.NotebookNode) -> list[str]:
    return [
        f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
        for index, cell in code_cells(nb)
        if not may_raise(cell)
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


#: A table cell of an HTML output; pandas cuts at ``display.max_colwidth`` (50 by default) to
#: 46 characters and "..." (49 in all).
TABLE_CELL = re.compile(r"<td>([^<]*)</td>")


def cut_table_cells(nb: nbformat.NotebookNode) -> list[str]:
    """Table cells in the outputs that pandas cut short (a reason or caption no one can read)."""
    return [
        f"cell {index}: {text}"
        for index, cell in code_cells(nb)
        for output in cell.get("outputs", [])
        for match in TABLE_CELL.finditer("".join(output.get("data", {}).get("text/html", "")))
        if len(text := html.unescape(match.group(1))) in (49, 50) and text.endswith("...")
    ]


def token_leaks(text: str) -> list[str]:
    leaks = [f"Shoptet token {m.group(0)[:12]}…" for m in SHOPTET_TOKEN.finditer(text)]
    leaks += [
        f"token header value {m.group(0)[:40]!r}"
        for m in TOKEN_HEADER_VALUE.finditer(text)
        if not REDACTED.fullmatch(m.group(1) or m.group(2) or "")
    ]
    return leaks


def test_notebooks_exist() -> None:
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}: the tests below ran on nothing"
    assert QUICK_START in NOTEBOOKS, (
        f"{QUICK_START.name} is missing (README, Binder and demo.sh open it)"
    )


@pytest.fixture
def kernel_of_this_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Kernel `python3` = this interpreter, whatever kernelspecs the machine has; no tokens."""
    for name in list(os.environ):
        if name in TOKEN_ENV_VARS or (name.startswith("SHOPTET_") and "TOKEN" in name):
            monkeypatch.delenv(name)
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # The notebooks apply and journal: keep test runs' journals out of ~/.shoptet_nb/journal.
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path / "journal"))
    return "python3"


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_executes(path: Path, kernel_of_this_interpreter: str) -> None:
    nb = read(path)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name=kernel_of_this_interpreter,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        record_timing=False,
    )
    client.execute()  # raises CellExecutionError on an error outside `raises-exception` cells
    assert unexpected_errors(nb) == []
    assert cut_table_cells(nb) == [], "set pandas' display.max_colwidth to None in the setup cell"
    for index, cell in code_cells(nb):
        if may_raise(cell):
            assert any(o.get("output_type") == "error" for o in cell.outputs), (
                f"cell {index} is tagged {ALLOWED_ERROR_TAG} but raised nothing"
            )


# Hygiene of the stored notebooks (what GitHub, nbviewer and Binder show).


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_notebook_is_valid(path: Path) -> None:
    nbformat.validate(read(path))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_notebook_was_run_top_to_bottom(path: Path) -> None:
    nb = read(path)
    cells = [(index, cell) for index, cell in code_cells(nb) if cell.source.strip()]
    not_run = [index for index, cell in cells if cell.execution_count is None]
    assert not_run == [], f"code cells never executed: {not_run}"
    counts = [cell.execution_count for _, cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts}: not one fresh run from the top; "
        "run scripts/regenerate_notebooks.sh"
    )
    assert any(cell.outputs for _, cell in cells), "no outputs stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_notebook_has_no_errors(path: Path) -> None:
    assert unexpected_errors(read(path)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_notebook_has_no_tokens(path: Path) -> None:
    leaks = [leak for text in strings(read(path)) for leak in token_leaks(text)]
    assert leaks == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_notebook_has_no_machine_paths(path: Path) -> None:
    found = sorted(
        {
            text[max(0, text.find(p) - 20) : text.find(p) + 40]
            for text in strings(read(path))
            for p in MACHINE_PATHS
            if p in text
        }
    )
    assert found == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_widget_state_holds_no_token(path: Path) -> None:
    nb = read(path)
    state = (
        nb.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    problems = []
    for model_id, model in state.items():
        attrs = model.get("state", {})
        for leak in (leak for text in strings(attrs) for leak in token_leaks(text)):
            problems.append(f"{model_id}: {leak}")
        labels = " ".join(
            str(attrs.get(key, "")) for key in ("description", "label", "placeholder", "hint")
        )
        is_token_input = "token" in labels.lower()
        for key, value in attrs.items():
            holds_value = key in {"value", "v_model"} and is_token_input
            suspicious = holds_value or "token" in key.lower()
            if suspicious and isinstance(value, str) and value and not REDACTED.fullmatch(value):
                problems.append(f"{model_id}: {key} holds {value[:6]!r}…")
    assert problems == []


def test_hygiene_checks_catch_leaks() -> None:
    """The checks above would see a token, a header value and a machine path."""
    assert token_leaks("x 123456-p-654321-" + "0123456789abcdef" * 2 + " y")
    assert token_leaks("{'Shoptet-Private-API-Token': 'abc123'}")
    assert token_leaks("Shoptet-Access-Token: eyJhbGciOi")
    assert not token_leaks("{'Shoptet-Private-API-Token': '***'}")
    assert token_leaks('headers = {"Shoptet-Access-Token": "abc123"}')
    assert not token_leaks('headers = {"Shoptet-Private-API-Token": token}')
    assert not token_leaks("send Shoptet-Private-API-Token: <your token>")
    assert list(strings({"a": ["/tmp/x"]})) == ["a", "/tmp/x"]
    cut = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell()])
    cut.cells[0].outputs = [{"data": {"text/html": "<td>shop&#x27;s" + "x" * 40 + "...</td>"}}]
    assert cut_table_cells(cut) == ["cell 0: shop's" + "x" * 40 + "..."]
