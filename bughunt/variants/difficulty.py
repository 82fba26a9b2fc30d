"""Difficulty: how much a round gives away beside the failure itself.

- easy: the symptom also names the function or method the bug is in;
- normal: the symptom is what the checks saw go wrong, with the example that shows it;
- hard: the symptom is only what a user would see (the crash, or what is wrong, without the
  check's details), and the comments and docstrings inside the buggy functions are gone, so
  no sentence beside the code describes what it should do.

The brief states the contract at every difficulty: a round stays fair.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bughunt import syntax

if TYPE_CHECKING:
    from bughunt.judge.checking import Outcome

EASY, NORMAL, HARD = "easy", "normal", "hard"
LEVELS = (EASY, NORMAL, HARD)
DEFAULT = NORMAL


def symptom(outcome: Outcome, difficulty: str = DEFAULT, places: Iterable[str] = ()) -> str:
    """What the learner is told about `outcome`, the most telling failing check."""
    message = "\n".join(outcome.message.splitlines()[:4])
    if outcome.raised:
        first = message.splitlines()[0] if message else ""
        text = f"it crashes: {first if difficulty == HARD else message}"
    elif difficulty == HARD:
        text = outcome.symptom or message.splitlines()[0]
    else:
        text = f"{outcome.symptom}\n{message}" if outcome.symptom else message
    if outcome.example and difficulty != HARD:
        text += f"\n(for example: {outcome.example})"
    places = sorted(set(places))
    if difficulty == EASY and places:
        named = " and ".join(f"`{p}`" for p in places)
        text += f"\nLook in {named}."
    return text


def enclosing_function(source: str, line: int) -> str | None:
    """The innermost function or class (dotted: `Class.method`) whose body holds `line`;
    None outside any, or when `source` does not parse."""
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
        walk(syntax.parse(source), [])
    except SyntaxError:
        return None
    return ".".join(best) or None


def strip_explanations(source: str, functions: Iterable[str]) -> str:
    """`source` without the comments and docstrings of `functions` (qualified names, as
    `enclosing_function` gives them), nested functions included."""
    import libcst as cst

    wanted = set(functions)

    class Strip(cst.CSTTransformer):
        def __init__(self) -> None:
            super().__init__()
            self.scope: list[str] = []
            self.depth = 0  # how many enclosing functions are wanted

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            self.scope.append(node.name.value)
            return True

        def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef):
            self.scope.pop()
            return updated_node

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            self.scope.append(node.name.value)
            self.depth += ".".join(self.scope) in wanted
            return True

        def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
            name = ".".join(self.scope)
            self.scope.pop()
            if name not in wanted:
                return updated_node
            self.depth -= 1
            body = updated_node.body
            if isinstance(body, cst.IndentedBlock) and len(body.body) > 1 and _is_docstring(body.body[0]):
                rest = list(body.body[1:])
                rest[0] = rest[0].with_changes(leading_lines=[])
                updated_node = updated_node.with_changes(body=body.with_changes(body=rest))
            return updated_node

        def leave_EmptyLine(self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine):
            if self.depth and updated_node.comment is not None:
                return cst.RemoveFromParent()
            return updated_node

        def leave_TrailingWhitespace(self, original_node: cst.TrailingWhitespace,
                                     updated_node: cst.TrailingWhitespace):
            if self.depth and updated_node.comment is not None:
                return updated_node.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))
            return updated_node

    return cst.parse_module(source).visit(Strip()).code


def _is_docstring(statement) -> bool:
    import libcst as cst

    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
        isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value,
                                                              cst.SimpleString | cst.ConcatenatedString)
