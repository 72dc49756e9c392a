"""`shoptet_nb.__all__` is the public API: sorted, importable, complete; importing is light."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import shoptet_nb

WIDGET_STACK = ("ipyvuetify", "ipyvue", "ipywidgets")


def test_all_is_a_sorted_list_of_unique_strings() -> None:
    names = list(shoptet_nb.__all__)
    assert all(isinstance(name, str) for name in names)
    assert len(names) == len(set(names)), "duplicates in __all__"
    # plain sorted() order (pyproject.toml ignores ruff's isort-style RUF022)
    assert names == sorted(names)


def test_every_name_in_all_is_importable() -> None:
    missing = [name for name in shoptet_nb.__all__ if not hasattr(shoptet_nb, name)]
    assert missing == []
    namespace: dict[str, object] = {}
    exec("from shoptet_nb import *", namespace)  # the star import users may write
    assert set(shoptet_nb.__all__) <= set(namespace)


def test_nothing_public_is_missing_from_all() -> None:
    """Every public name the package defines or re-exports from itself is in __all__."""
    unlisted = []
    for name, value in vars(shoptet_nb).items():
        if name.startswith("_") or name in shoptet_nb.__all__:
            continue
        if isinstance(value, types.ModuleType):
            continue  # submodules appear as attributes once imported
        module = getattr(value, "__module__", None)
        if module is not None and not module.startswith("shoptet_nb"):
            continue  # imported from elsewhere (typing, __future__, ...), not ours
        unlisted.append(name)
    assert unlisted == [], "public but not in __all__ (add them, or prefix with _)"


def test_import_does_not_load_the_widget_stack() -> None:
    """`import shoptet_nb` stays light: the widget stack loads only when a widget is made."""
    code = (
        "import json, sys; import shoptet_nb; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert loaded.isdisjoint(WIDGET_STACK), sorted(loaded & set(WIDGET_STACK))


def test_the_widgets_are_listed_for_tab_completion_without_loading_them() -> None:
    """Tab completion reads dir() and __all__: both name the widgets, and neither loads them."""
    code = (
        "import json, sys; import shoptet_nb; "
        "listed = {'all': shoptet_nb.__all__, 'dir': dir(shoptet_nb)}; "
        "listed['loaded'] = sorted({m.split('.')[0] for m in sys.modules}); "
        "print(json.dumps(listed))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    listed = json.loads(result.stdout.strip().splitlines()[-1])
    for widget in ("CaptionWorklist", "GalleryEditor"):
        assert widget in listed["all"]
        assert widget in listed["dir"]
    assert set(listed["loaded"]).isdisjoint(WIDGET_STACK)
