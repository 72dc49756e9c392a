"""scripts/mkdocs_hooks.py: docstrings' doctest examples become code, Sphinx roles plain code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import markdown
import pytest

pytest.importorskip("mkdocs")
ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
assert spec is not None
assert spec.loader is not None
hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hooks)


def render(text: str) -> str:
    return markdown.markdown(text, extensions=["fenced_code", hooks.DoctestFencesExtension()])


def test_a_doctest_run_is_code_not_a_quote() -> None:
    html = render("Connect:\n\n>>> client = connect()\n>>> client.name\n'shop'\n\nAfter.")
    assert "<blockquote>" not in html
    assert "<code" in html
    assert "&gt;&gt;&gt; client = connect()\n&gt;&gt;&gt; client.name\n'shop'" in html
    assert "<p>After.</p>" in html


def test_fenced_code_and_roles() -> None:
    html = render("See :func:`connect` and :class:`~shoptet_nb.Plan`.\n\n```\n>>> x\n```\n")
    assert "<code>connect</code>" in html
    assert "<code>shoptet_nb.Plan</code>" in html
    assert html.count("<pre>") == 1, "a fenced >>> block is left as it is"
