"""scripts/mkdocs_hooks.py: docstrings' doctest examples become code, Sphinx roles plain code;
the README is the home page; an external link nobody listed fails the build."""

from __future__ import annotations

import importlib.util
import json
import logging
import types
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


# -- the README as the home page ----------------------------------------------------------------


def test_the_home_page_is_the_readme_with_links_into_docs_made_relative() -> None:
    assert hooks.front_page("[a](docs/x.md) ![b](docs/p.png) [c](notebooks/y.ipynb) docs/z") == (
        "[a](x.md) ![b](p.png) [c](notebooks/y.ipynb) docs/z"
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/guides/spreadsheet.md)" in readme, "the README links its guides into docs/"
    assert "](guides/spreadsheet.md)" in hooks.front_page(readme)


def test_docs_index_is_only_a_stub() -> None:
    """Text put in docs/index.md would never show: the hook replaces it with the README."""
    stub = (ROOT / "docs" / "index.md").read_text(encoding="utf-8").strip()
    assert stub.startswith("<!--"), stub
    assert stub.endswith("-->"), stub
    assert "\n" not in stub, stub


# -- external links -----------------------------------------------------------------------------

DOC_SOURCES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "notebooks").glob("*.ipynb")),
]


def notebook_markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


def test_an_unknown_external_link_is_a_warning_that_fails_a_strict_build(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="guides/x.md"))
    content = (
        '<a href="https://mkdocstrings.github.io/">known</a>'
        '<a href="https://developers.shoptet.com/premum">a typo</a>'
        '<img src="https://example.com/a.png?x=1&amp;y=2">'
        '<a href="http://127.0.0.1:8000/">local</a><a href="http://files.sandbox.shoptet-nb.test/">'
    )
    with caplog.at_level(logging.WARNING):
        assert hooks.on_page_content(content, page, None, None) == content
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage().split(" links to ")[1].split(",")[0] for record in warnings] == [
        "https://developers.shoptet.com/premum",
        "https://example.com/a.png?x=1&y=2",
    ]
    # mkdocs --strict counts the warnings of the "mkdocs" logger and its children
    assert all(record.name.startswith("mkdocs.") for record in warnings)
    assert "guides/x.md" in warnings[0].getMessage()
    assert "scripts/known_links.txt" in warnings[0].getMessage()


def test_known_links_file_takes_the_first_word_and_skips_comments(tmp_path: Path) -> None:
    listed = tmp_path / "known.txt"
    listed.write_text("# a comment\n\nhttps://a.org/x#part  # a note\n  https://b.org/\n")
    assert hooks.known_links(listed) == {"https://a.org/x#part", "https://b.org/"}


def test_every_external_link_of_the_readme_pages_and_notebooks_is_known() -> None:
    """The build checks the rendered site (docstrings too); this covers the sources quickly."""
    known = hooks.known_links()
    unknown = {}
    for path in DOC_SOURCES:
        text = notebook_markdown(path) if path.suffix == ".ipynb" else path.read_text("utf-8")
        rendered = markdown.markdown(text, extensions=["fenced_code", "tables", "attr_list"])
        if found := hooks.unknown_links(rendered, known):
            unknown[str(path.relative_to(ROOT))] = found
    assert unknown == {}, "open each in a browser, then add it to scripts/known_links.txt"


def test_every_known_link_is_still_used() -> None:
    sources = [*DOC_SOURCES, *sorted((ROOT / "shoptet_nb").rglob("*.py"))]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    unused = sorted(url for url in hooks.known_links() if url not in text)
    assert unused == [], "no page links to these any more: remove them from known_links.txt"
