"""The bug classes' descriptions, read from the mutator sources without importing them.

Importing the mutators pulls in `libcst.matchers` (about 0.4 s), too slow for
`bughunt bugs`, which only prints text. The registry order comes from `ALL_MUTATORS` in
`mutators/__init__.py`; a test checks that this reading matches the imported classes.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

# Found, not imported: importing the package would import every mutator.
_FOLDER = Path(importlib.util.find_spec("mutators").submodule_search_locations[0])


@dataclass(frozen=True)
class BugClass:
    id: str
    title: str
    lesson: str
    hint: str
    loud: bool


def _registry_order() -> list[str]:
    """Class names in the order `ALL_MUTATORS` lists them."""
    tree = ast.parse((_FOLDER / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "ALL_MUTATORS" for t in targets):
                return [element.id for element in node.value.elts]
    raise LookupError("ALL_MUTATORS not found in mutators/__init__.py")


def _class_attributes() -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for path in sorted(_FOLDER.glob("[!_]*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                found[node.name] = {
                    target.id: ast.literal_eval(statement.value)
                    for statement in node.body if isinstance(statement, ast.Assign)
                    for target in statement.targets
                    if isinstance(target, ast.Name) and target.id in ("ID", "TITLE", "LESSON", "HINT", "LOUD")
                }
    return found


def all_bug_classes() -> list[BugClass]:
    attributes = _class_attributes()
    return [BugClass(a["ID"], a["TITLE"], a["LESSON"], a["HINT"], a["LOUD"])
            for a in (attributes[name] for name in _registry_order())]


def by_id(bug_id: str) -> BugClass:
    """The bug class `bug_id` (`mutators.by_id` without importing libcst); KeyError if none."""
    for bug_class in all_bug_classes():
        if bug_class.id == bug_id:
            return bug_class
    raise KeyError(bug_id)
