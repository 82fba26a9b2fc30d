"""What a submission must define: the reference module's public API, read with `ast`.

The judge never runs the candidate, but it may read it: a file that does not define the
functions and classes the scenario is about (an empty file whose import tampers with the
checks, a file for another scenario) fails before a runner is started. Both sides are parsed,
never executed; a file that does not parse is left to the runner, whose import reports the
SyntaxError where it is.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from bughunt import syntax

MAX_SOURCE = 2**20  # characters: a solution is a few hundred lines


@cache
def public_api(reference: Path, checks: Path) -> tuple[str, ...]:
    """The reference's top-level public functions and classes that the checks ask for by
    name (`module.<name>`), in file order. A helper the checks never call is the author's
    choice: a correct solution may do without it."""
    tree = syntax.parse(reference.read_text(encoding="utf-8"))
    asked = {node.attr for node in ast.walk(syntax.parse(checks.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute)}
    return tuple(node.name for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and not node.name.startswith("_") and node.name in asked)


def missing(source: str, reference: Path, checks: Path) -> list[str] | None:
    """The public names `source` does not bind at its top level; None when it does not parse
    (the import will say why)."""
    try:
        tree = syntax.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    bound: set[str] = set()
    for node in tree.body:
        bound |= _bound(node)
    return [name for name in public_api(reference, checks) if name not in bound]


def _bound(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds, in any branch it may take (an `if`/`try` defining
    a fallback counts: which branch runs is the import's business)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
        names: set[str] = set()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                names |= _bound(child)
            elif isinstance(child, ast.ExceptHandler):
                for inner in child.body:
                    names |= _bound(inner)
        return names
    return set()
