"""The package's import graph: one direction, and the core free of the LSP libraries.

The graph is read from the source (every ``import``, including the ones
inside functions and under ``TYPE_CHECKING``: a deferred import is still a
dependency), not from what happens to be loaded at run time. ``from a.b
import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "server" / "promptwise"
LSP_LIBRARIES = ("pygls", "lsprotocol")


def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    out: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported_names(module: str, path: Path) -> Iterable[str]:
    """Every name ``module`` imports, made absolute: ``a.b`` for ``import a.b``,
    ``a.b.c`` for ``from a.b import c`` (whether ``c`` is a module or a name in one)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            yield from (f"{source}.{alias.name}" for alias in node.names)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_names(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target in imported_names(name, path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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
    return found


def path_through(graph: Mapping[str, set[str]], component: list[str]) -> list[str]:
    """One concrete circle inside ``component``, for a readable failure."""
    members = set(component)
    start = component[0]
    trail = [start]
    seen = {start}
    node = start
    while True:
        step = sorted(graph[node] & members)
        back = [m for m in step if m == start]
        if back and len(trail) > 1:
            return [*trail, start]
        fresh = [m for m in step if m not in seen]
        if not fresh:
            return [*trail, step[0]]
        node = fresh[0]
        trail.append(node)
        seen.add(node)


def test_the_cycle_finder_finds_a_circle_and_passes_a_line() -> None:
    circle = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(circle) == [["a", "b", "c"]]
    assert path_through(circle, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_sees_deferred_and_type_checking_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "low.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.high import High\n"
    )
    (package / "sub" / "high.py").write_text(
        "def run():\n    from ..low import thing\n    from pkg import low\n"
    )
    graph = import_graph(package)
    assert graph["pkg.low"] == {"pkg.sub.high"}
    assert graph["pkg.sub.high"] == {"pkg.low"}
    assert cycles(graph) == [["pkg.low", "pkg.sub.high"]]


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 90  # the whole package was read
    circles = [" -> ".join(path_through(graph, c)) for c in cycles(graph)]
    assert not circles, "import cycles:\n" + "\n".join(circles)


def test_the_core_never_imports_the_lsp_libraries_or_the_server() -> None:
    """pygls and lsprotocol stay in ``lsp/``; only the CLI's ``serve`` starts the server."""
    offenders: list[str] = []
    for name, path in module_names(PACKAGE).items():
        if name == "promptwise.lsp" or name.startswith("promptwise.lsp."):
            continue
        for target in imported_names(name, path):
            library = target.split(".")[0] in LSP_LIBRARIES
            server = target.startswith("promptwise.lsp") and name != "promptwise.cli"
            if library or server:
                offenders.append(f"{name} imports {target}")
    assert not offenders, "\n".join(offenders)
