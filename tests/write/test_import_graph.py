"""The package's import graph has no circles (issue 16).

Built from the source with ``ast``: an import inside a function counts as much as one at the
top of a module (both run), and so does one under ``if TYPE_CHECKING:``: it never runs, but it
is a dependency all the same (a module that names another's types cannot be read, type-checked
or moved without it), so a circle through it is a circle of design.

    python tests/write/test_import_graph.py          # print the circles (none, one a line)
"""

from __future__ import annotations

import ast
from pathlib import Path

import shoptet_nb

PACKAGE = Path(shoptet_nb.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(
    tree: ast.AST, module: str, is_package: bool, modules: set[str], *, type_only: bool = True
) -> set[str]:
    """Every module an import in ``tree`` names, wherever it is (``if TYPE_CHECKING:`` too,
    unless ``type_only`` is false: then only the imports that can run).

    ``from pkg import mod`` names the submodule ``pkg.mod``, not ``pkg``'s ``__init__`` (which
    runs first for any submodule, as the parent package, and is no edge of its own); ``from pkg
    import name`` names ``pkg``.
    """
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if not type_only and isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:  # the ``else:`` of ``if TYPE_CHECKING:`` does run
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in modules else origin)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): a block that never runs."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (at any level of its code)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = _imports(tree, name, path.name == "__init__.py", set(paths))
        graph[name] = {m for m in named if m in paths and m != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` depends on, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_sees_imports_at_every_level() -> None:
    graph = import_graph()
    assert "shoptet_nb.client" in graph["shoptet_nb.read"]
    # Only under ``if TYPE_CHECKING:`` in jobs.py: counted all the same.
    assert "shoptet_nb.api_client" in graph["shoptet_nb.jobs"]
    assert len(graph) > 50


def test_the_package_imports_in_no_circle() -> None:
    # A package's __init__ re-exporting its modules is not a circle of behaviour, but a module
    # importing its own package's __init__ back is: both count, and so do type-only imports.
    assert circles(import_graph()) == []


def test_jobs_are_a_layer_above_the_http_client() -> None:
    graph = import_graph()
    assert "shoptet_nb.jobs" not in reachable(graph, "shoptet_nb.api_client")
    # ShoptetClient, the class users hold, is the HTTP client plus the job methods on top.
    assert {"shoptet_nb.api_client", "shoptet_nb.jobs"} <= graph["shoptet_nb.client"]


def test_the_sandbox_handlers_do_not_import_the_app() -> None:
    graph = import_graph()
    handlers = graph["shoptet_nb.sandbox.routes"] | {"shoptet_nb.sandbox.exchange"}
    assert "shoptet_nb.sandbox.products" in handlers
    for module in sorted(handlers):
        assert "shoptet_nb.sandbox.app" not in reachable(graph, module), module


def test_the_html_of_plans_and_results_imports_nothing_back() -> None:
    graph = import_graph()
    assert "shoptet_nb._html" in graph["shoptet_nb.plan.model"]
    assert "shoptet_nb._html" in graph["shoptet_nb.write.result"]
    assert reachable(graph, "shoptet_nb._html") == set()


if __name__ == "__main__":
    for circle in circles(import_graph()):
        print(" ↔ ".join(circle))
