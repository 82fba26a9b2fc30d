"""Progressive hints: the scenario's own, then the bug class, then where to look."""

from __future__ import annotations

import ast

import mutators
from bughunt.catalog import Scenario
from bughunt.progress import Progress
from mutators import parse_site


def hint_ladder(scenario: Scenario, manifest: dict, served: str) -> list[str]:
    """Every hint for a variant, vaguest first. A challenge gets the scenario's hints only."""
    ladder = list(scenario.hints)
    if manifest.get("kind", "bug") != "bug":
        return ladder
    site = parse_site(manifest["site"])
    ladder.append(mutators.by_id(site.mutator).HINT)
    owner = _enclosing_definition(served, site.line)
    if owner:
        ladder.append(f"The bug is inside `{owner}`.")
    ladder.append(f"Look closely at line {site.line} of the file as it was served.")
    return ladder


def _enclosing_definition(source: str, line: int) -> str | None:
    """The innermost function or class (dotted) whose body holds `line`."""
    best: list[str] = []

    def walk(node: ast.AST, trail: list[str]) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if child.lineno <= line <= (child.end_lineno or child.lineno):
                    best = [*trail, child.name]
                    walk(child, best)
            else:
                walk(child, trail)

    try:
        walk(ast.parse(source), [])
    except SyntaxError:
        return None
    return ".".join(best) or None


def next_hint(folder) -> tuple[int, int, str]:
    """Count and return the folder's next hint as (number, of, text); past the last, a pointer
    to `reveal` that costs nothing."""
    ladder = hint_ladder(folder.scenario, folder.manifest, folder.served)
    progress = Progress(folder.workspace.database)
    used = progress.ensure(folder.name, folder.manifest).hints
    if used >= len(ladder):
        return used, len(ladder), "No more hints: `bughunt reveal` shows the answer (and scores 0)."
    number = progress.hint(folder.name)
    return number, len(ladder), ladder[number - 1]
