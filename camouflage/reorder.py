"""reorder: two adjacent independent assignments inside a function trade places.

Both must be one-line assignments to plain names whose right-hand sides are pure:
names, attributes, constants, arithmetic, comparisons, subscripts, tuple and list literals,
and calls to `len`, `int`, `float`, `bool`, `abs`, `round`, `min`, `max`, `range` or to
`.size()`, `.numel()`, `.dim()`. Neither may read or write what the other writes. At most one
of the two may index something other than a shape (indexing a dataset can run its code,
which may draw random numbers), so no two effects can change order. A statement moves with
the comments on and above it; a blank line between the two keeps them apart.
"""

from __future__ import annotations

import libcst as cst

from camouflage._base import Rewrite

_PURE_FUNCTIONS = frozenset({"len", "int", "float", "bool", "abs", "round", "min", "max", "range"})
_PURE_METHODS = frozenset({"size", "numel", "dim"})
_LEAVES = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)


class _Impure(Exception):
    pass


class _Reads:
    """The names an expression reads, and whether it indexes anything opaque."""

    def __init__(self, expression: cst.BaseExpression) -> None:
        self.names: set[str] = set()
        self.opaque = False
        self._walk(expression)

    def _walk(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, _LEAVES):
            pass
        elif isinstance(node, cst.Attribute):
            self._walk(node.value)
        elif isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            self._walk(node.left)
            self._walk(node.right)
        elif isinstance(node, cst.UnaryOperation):
            self._walk(node.expression)
        elif isinstance(node, cst.Comparison):
            self._walk(node.left)
            for target in node.comparisons:
                self._walk(target.comparator)
        elif isinstance(node, cst.IfExp):
            for part in (node.test, node.body, node.orelse):
                self._walk(part)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._walk(element.value)
        elif isinstance(node, cst.Subscript):
            self._subscript(node)
        elif isinstance(node, cst.Call):
            self._call(node)
        else:
            raise _Impure(type(node).__name__)

    def _subscript(self, node: cst.Subscript) -> None:
        shape = isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape"
        self.opaque |= not shape
        self._walk(node.value)
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                if element.slice.star is not None:
                    raise _Impure("starred index")
                self._walk(element.slice.value)
            else:
                for bound in (element.slice.lower, element.slice.upper, element.slice.step):
                    if bound is not None:
                        self._walk(bound)

    def _call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in _PURE_FUNCTIONS:
            self.names.add(func.value)
        elif isinstance(func, cst.Attribute) and func.attr.value in _PURE_METHODS:
            self._walk(func.value)
        else:
            raise _Impure("call")
        for arg in node.args:
            self._walk(arg.value)


def _written(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_written(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _written(target.value)
    raise _Impure("not a plain name")  # an attribute or an item: that mutates an object


def _assignment(statement: cst.BaseStatement) -> tuple[set[str], _Reads] | None:
    """What a movable statement writes and reads; None when it must stay where it is."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Assign):
        return None
    try:
        written = set().union(*(_written(t.target) for t in small.targets))
        return written, _Reads(small.value)
    except _Impure:
        return None


def _independent(first, second) -> bool:
    (w1, r1), (w2, r2) = first, second
    return not (w1 & (w2 | r2.names) or w2 & r1.names) and not (r1.opaque and r2.opaque)


def _split(lines) -> tuple[list, list]:
    """(blank lines and what is above them, the comment block right above the statement)."""
    last_blank = max((i for i, line in enumerate(lines) if line.comment is None), default=-1)
    return list(lines[:last_blank + 1]), list(lines[last_blank + 1:])


class Reorder(Rewrite):
    ID = "reorder"
    DESCRIPTION = "swap two adjacent independent assignments with pure right-hand sides"
    STATEMENTS_ONLY = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._functions = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
        self._functions -= 1
        return updated_node

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock):
        if not self._functions:
            return updated_node
        body = list(updated_node.body)
        originals = original_node.body
        index = 0
        while index + 1 < len(body):
            first, second = body[index], body[index + 1]
            facts = _assignment(first), _assignment(second)
            if (None not in facts and _independent(*facts) and _split(second.leading_lines)[0] == []
                    and self.chance(originals[index], originals[index + 1])):
                stay, own = _split(first.leading_lines)
                body[index] = second.with_changes(leading_lines=stay + list(second.leading_lines))
                body[index + 1] = first.with_changes(leading_lines=own)
                index += 2
            else:
                index += 1
        return updated_node.with_changes(body=body)
