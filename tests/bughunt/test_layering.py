"""The engine's layering, held: no import cycle among `bughunt`'s modules, and no engine module
that imports the content (`scenarios`, `clean_reference`) by name — the engine finds content
through the catalog, as data."""

from __future__ import annotations

import ast
from pathlib import Path

import bughunt

ROOT = Path(bughunt.__file__).parent
CONTENT = ("scenarios", "clean_reference")


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _imported(tree: ast.Module) -> set[str]:
    """Every module name `tree` imports, anywhere in it."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _edges(name: str, tree: ast.Module, modules: dict) -> set[str]:
    """The engine modules `name` imports at its top level: `from pkg import sub` is an edge to
    the module `pkg.sub` when there is one, and a package's own `__init__`, which Python runs
    before any of its modules, is no edge of theirs."""
    edges = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            edges |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            subs = {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys()
            edges |= subs or {node.module}
    return {e for e in edges if e in modules and e != name and not name.startswith(e + ".")}


def test_no_engine_module_imports_the_content_by_name():
    offenders = sorted(f"{name} imports {imported}" for name, tree in _modules().items()
                       for imported in _imported(tree)
                       if imported.split(".")[0] in CONTENT)
    assert not offenders, offenders


def test_no_import_cycle_among_the_engine_modules():
    modules = _modules()
    graph = {name: _edges(name, tree, modules) for name, tree in modules.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                return [*path, name, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, name])):
                return cycle
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, [])
            assert cycle is None, " -> ".join(cycle)
