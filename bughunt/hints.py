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
    ladder += [text for text, classes in scenario.class_hints if site.mutator in classes]
    ladder.append(mutators.by_id(site.mutator).HINT)
    reference = scenario.reference_path.read_text(encoding="utf-8")
    line, missing = _served_line(reference, served, site.line)
    owner = _enclosing_definition(served, line)
    if owner:
        ladder.append(f"The bug is inside `{owner}`.")
    if missing:
        ladder.append(f"Something is missing just above line {line} of the file as it was served.")
    else:
        ladder.append(f"Look closely at line {line} of the file as it was served.")
    return ladder


def _served_line(reference: str, served: str, fallback: int) -> tuple[int, bool]:
    """Where the change is in the served file's own numbering, and whether it is a deletion
    (then the line is where the deleted one belongs). Site lines count in the reference,
    which a deletion or a moved line shifts."""
    import difflib

    matcher = difflib.SequenceMatcher(None, reference.splitlines(), served.splitlines(), autojunk=False)
    for tag, _, _, j1, _ in matcher.get_opcodes():
        if tag != "equal":
            return j1 + 1, tag == "delete"
    return fallback, False


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
