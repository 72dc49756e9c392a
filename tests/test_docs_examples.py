"""Every ``python`` block of the documentation runs, against the sandbox.

Each page's blocks run in order in one namespace (a later block uses what an earlier one made),
in a temporary working folder, with no Shoptet token in the environment. A block that must not
run (it needs a real token, or waits for a person) has ``<!-- no-run: why -->`` on the line
before its opening fence; keep those few.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^\n`]*)$")
NO_RUN = re.compile(r"^\s*<!-- no-run: .+ -->\s*$")


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    code: str
    runs: bool


def python_blocks(text: str) -> list[Block]:
    """The fenced ``python`` blocks of a Markdown page, in order."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent = len(opening["indent"])
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if opening["info"].strip() == "python":
            body = "\n".join(line[indent:] for line in lines[index + 1 : end])
            runs = not (index > 0 and NO_RUN.match(lines[index - 1]))
            blocks.append(Block(index + 1, body + "\n", runs))
        index = end + 1
    return blocks


def test_blocks_are_found_and_no_run_is_rare() -> None:
    found = {page: python_blocks(page.read_text(encoding="utf-8")) for page in PAGES}
    total = sum(len(blocks) for blocks in found.values())
    skipped = sum(not block.runs for blocks in found.values() for block in blocks)
    assert total >= 15, f"only {total} python blocks found: is the fence pattern right?"
    assert skipped <= 3, f"{skipped} blocks marked no-run: be sparing with the marker"
    sample = "text\n<!-- no-run: needs a token -->\n```python\nx = 1\n```\n```python\ny = 2\n```\n"
    assert [(block.code, block.runs) for block in python_blocks(sample)] == [
        ("x = 1\n", False),
        ("y = 2\n", True),
    ]


@pytest.mark.parametrize(
    "page",
    [page for page in PAGES if python_blocks(page.read_text(encoding="utf-8"))],
    ids=lambda page: str(page.relative_to(ROOT)),
)
def test_page_examples_run_on_the_sandbox(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("SHOPTET_") and "TOKEN" in name:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs_example__"}
    for block in python_blocks(page.read_text(encoding="utf-8")):
        if not block.runs:
            continue
        where = f"{page.relative_to(ROOT)}:{block.line}"
        try:
            exec(compile(block.code, where, "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"the block at {where} failed: {type(exc).__name__}: {exc}")
