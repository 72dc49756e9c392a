"""MkDocs hook (mkdocs.yml ``hooks:``): the docstrings read well as Markdown.

The docstrings hold doctest-style examples (``>>> client = shoptet_nb.connect()``) outside any
code fence, which Markdown would read as nested quotes, and Sphinx roles (:func:`connect`) that
Markdown shows as they are. This adds a Markdown preprocessor that fences each run of ``>>>``
lines (with their continuations and output, up to a blank line) as ``pycon`` code and turns a
role into plain code, before mkdocstrings reads the configuration, so its docstring rendering
gets it too.
"""

from __future__ import annotations

import re
from typing import Any

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
    config.markdown_extensions.append(DoctestFencesExtension())
    return config
