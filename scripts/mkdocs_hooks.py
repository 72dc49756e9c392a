"""MkDocs hooks (mkdocs.yml ``hooks:``): docstrings as Markdown, the README as the home page, and
a check of every external link.

**Docstrings.** The docstrings hold doctest-style examples (``>>> client = connect()``)
outside any code fence, which Markdown would read as nested quotes, and Sphinx roles
(:func:`connect`) that Markdown shows as they are. This adds a Markdown preprocessor that fences
each run of ``>>>`` lines (with their continuations and output, up to a blank line) as ``pycon``
code and turns a role into plain code, before mkdocstrings reads the configuration, so its
docstring rendering gets it too.

**Home page.** ``docs/index.md`` is a stub: the site's home page is ``README.md`` itself, with
its links into ``docs/`` made relative to the site, so the two cannot drift apart.

**External links.** The build runs offline, so it cannot fetch a link to see that it works.
Instead every ``http(s)`` link or image in a page's HTML (guides, rendered docstrings and
notebooks, the README) must be listed in ``scripts/known_links.txt``, where a person put it
after opening it. A link that is not listed is a warning, which ``mkdocs build --strict`` turns
into a failed build: a typo in a link, or a new link nobody has opened, stops the build instead
of reaching readers. It does not notice a listed page that later disappears from the web.
Addresses that can never be someone else's server (``localhost``, ``127.0.0.1``, and the names
reserved for examples and tests: ``*.test``, ``*.example``, ``*.invalid``, ``*.localhost``) are
not external.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

PROMPT = re.compile(r"^(?P<indent> {0,3})>>> ")
FENCE = re.compile(r"^\s*(```|~~~)")
ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|exc|obj):`~?([^`]+)`")


class DoctestFences(Preprocessor):
    """Wraps runs of ``>>>`` lines outside code fences in a ``pycon`` fence; roles become code."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        in_fence = False
        index = 0
        while index < len(lines):
            line = lines[index]
            if FENCE.match(line):
                in_fence = not in_fence
            prompt = None if in_fence else PROMPT.match(line)
            if prompt is None:
                out.append(line if in_fence else ROLE.sub(r"`\1`", line))
                index += 1
                continue
            indent = prompt["indent"]
            end = index
            while end < len(lines) and lines[end].strip():
                end += 1
            out += [f"{indent}```pycon", *lines[index:end], f"{indent}```"]
            index = end
        return out


class DoctestFencesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before fenced code blocks are stashed (superfences' preprocessor runs at 32).
        md.preprocessors.register(DoctestFences(md), "doctest_fences", 40)


@event_priority(100)  # before mkdocstrings copies the Markdown extensions
def on_config(config: Any) -> Any:
    """MkDocs event: add the doctest fences to the Markdown extensions."""
    config.markdown_extensions.append(DoctestFencesExtension())
    return config


# -- the README as the home page --------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# A Markdown link or image target that points into docs/: on the site it is relative to docs/.
DOCS_TARGET = re.compile(r"\]\(docs/")


def front_page(readme: str) -> str:
    """The README as the site's home page (``docs/index.md``): links into ``docs/`` lose it."""
    return DOCS_TARGET.sub("](", readme)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: the home page's Markdown is the README's."""
    if page.file.src_uri == "index.md":
        return front_page(README.read_text(encoding="utf-8"))
    return markdown


# -- external links -----------------------------------------------------------------------------

KNOWN_LINKS_FILE = ROOT / "scripts" / "known_links.txt"
LINK_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*["'](?P<url>https?://[^"']+)["']""", re.I)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost")
log = logging.getLogger("mkdocs.hooks.external_links")  # under "mkdocs": --strict counts it


def known_links(path: Path = KNOWN_LINKS_FILE) -> set[str]:
    """The URLs of ``scripts/known_links.txt``: the first word of each line that is not blank
    or a ``#`` comment (a URL holds no space, so a note may follow it)."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line.split()[0] for line in lines if line and not line.startswith("#")}


def is_external(url: str) -> bool:
    """False for addresses that are never someone else's server (loopback, reserved names)."""
    host = (urlsplit(url).hostname or "").lower()
    return host not in LOCAL_HOSTS and not host.endswith(RESERVED_SUFFIXES)


def external_links(page_html: str) -> list[str]:
    """The external ``href``/``src`` URLs of an HTML fragment, in order, each once."""
    found = (html.unescape(match["url"]) for match in LINK_ATTRIBUTE.finditer(page_html))
    return list(dict.fromkeys(url for url in found if is_external(url)))


def unknown_links(page_html: str, known: set[str]) -> list[str]:
    """The external links of ``page_html`` that ``known`` does not list."""
    return [url for url in external_links(page_html) if url not in known]


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: warn (fail a --strict build) for each external link not listed as known."""
    for url in unknown_links(content, known_links()):
        log.warning(
            "%s links to %s, which scripts/known_links.txt does not list: open it in a "
            "browser and, if it is the page you mean, add it there with a note on what it is",
            page.file.src_uri,
            url,
        )
    return content
