"""The API reference page (docs/reference/api.md) documents every name of ``shoptet_nb.__all__``.

mkdocstrings renders a ``::: dotted.path`` line of the page from that object's docstring; the
docs build (``--strict``) fails on a path it cannot read. This test fails on a public name the
page leaves out, and its message gives the line to add.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import shoptet_nb

ROOT = Path(__file__).resolve().parent.parent
API_PAGE = ROOT / "docs" / "reference" / "api.md"
DIRECTIVE = re.compile(r"^:::\s+(?P<path>\S+)\s*$", re.MULTILINE)


def resolve(path: str) -> object:
    """The object a ``:::`` path names: the longest importable module, then attributes."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(path)


def where_defined(name: str) -> str:
    """The ``:::`` path to add for a public name: where it is defined, which mkdocstrings can
    always read (``shoptet_nb.apply`` would name the module ``shoptet_nb/apply.py``, and the
    widgets load lazily)."""
    value = getattr(shoptet_nb, name)
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if (inspect.isclass(value) or inspect.isroutine(value)) and module and qualname:
        return f"{module}.{qualname}"
    for module_name, module_object in sorted(vars(shoptet_nb).items()):
        if inspect.ismodule(module_object) and getattr(module_object, name, None) is value:
            return f"shoptet_nb.{module_name}.{name}"
    return f"shoptet_nb.{name}"


def test_every_directive_names_an_object() -> None:
    paths = DIRECTIVE.findall(API_PAGE.read_text(encoding="utf-8"))
    assert len(paths) >= 20, "are the ::: lines still found?"
    for path in paths:
        resolve(path)  # raises for a path that names nothing


def test_every_public_name_is_in_the_api_reference() -> None:
    documented = [resolve(path) for path in DIRECTIVE.findall(API_PAGE.read_text("utf-8"))]
    missing = [
        name
        for name in shoptet_nb.__all__
        if not name.startswith("__")  # __version__: a string, not API to document
        and not any(getattr(shoptet_nb, name) is value for value in documented)
    ]
    advice = "".join(f"\n  - shoptet_nb.{name}: `::: {where_defined(name)}`" for name in missing)
    assert not missing, (
        "public names missing from docs/reference/api.md; add each line below under the heading "
        "it belongs to, with a blank line before and after (for a class, follow it with "
        "`    options:` and `      members: false` unless its methods should be listed):" + advice
    )
