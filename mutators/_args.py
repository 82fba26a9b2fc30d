"""What several mutators share: reading names and loss calls, editing argument lists.

A helper that a second mutator needs moves here, so that no mutator imports another.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst import matchers as m

_LOSS_NAMES = frozenset({"loss_fn", "criterion", "cross_entropy",
                         "binary_cross_entropy_with_logits"})
_NOT_LOSSES = frozenset({"loss", "backward", "item"})

TIGHT_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                              whitespace_after=cst.SimpleWhitespace(""))


def torch_attr(*names: str) -> m.Attribute:
    """Matches `torch.<name>` for any of `names`."""
    return m.Attribute(value=m.Name("torch"), attr=m.OneOf(*(m.Name(n) for n in names)))


def method(*names: str) -> m.Attribute:
    """Matches `<anything>.<name>` for any of `names` (the callee of a method call)."""
    return m.Attribute(attr=m.OneOf(*(m.Name(n) for n in names)))


def is_torch_function(call: cst.Call) -> bool:
    """True for `torch.f(...)`, False for a method call `x.f(...)`."""
    return m.matches(call.func, m.Attribute(value=m.Name("torch")))


def int_value(expr: cst.BaseExpression) -> int | None:
    """The value of an integer literal such as `1` or `-1`; None for anything else."""
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    if (isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus)
            and isinstance(expr.expression, cst.Integer)):
        return -int(expr.expression.value, 0)
    return None


def int_node(value: int) -> cst.BaseExpression:
    if value < 0:
        return cst.UnaryOperation(operator=cst.Minus(), expression=cst.Integer(str(-value)))
    return cst.Integer(str(value))


def is_positional(arg: cst.Arg) -> bool:
    return arg.keyword is None and arg.star == ""


def find_arg(args: Sequence[cst.Arg], position: int | None, keyword: str | None) -> int | None:
    """Index in `args` of the argument passed as positional `position` or as `keyword=`.

    Positions count plain positional arguments only; a `*args` before it makes the
    position unknowable, so it is not found.
    """
    seen = 0
    for index, arg in enumerate(args):
        if keyword is not None and arg.keyword is not None and arg.keyword.value == keyword:
            return index
        if arg.keyword is None:
            if arg.star:
                if position is not None and seen <= position:
                    position = None  # a starred argument hides where the rest land
                continue
            if position is not None and seen == position:
                return index
            seen += 1
    return None


def drop_arg(args: Sequence[cst.Arg], index: int) -> list[cst.Arg]:
    """`args` without `args[index]`, keeping the commas valid."""
    kept = [arg for i, arg in enumerate(args) if i != index]
    if kept and index == len(args) - 1:
        kept[-1] = kept[-1].with_changes(comma=args[index].comma)
    return kept


def append_keyword(args: Sequence[cst.Arg], keyword: str, value: cst.BaseExpression) -> list[cst.Arg]:
    """`args` plus `keyword=value` at the end, keeping a trailing comma where there was one."""
    new = cst.Arg(value=value, keyword=cst.Name(keyword), equal=TIGHT_EQUAL)
    if not args:
        return [new]
    last = args[-1]
    new = new.with_changes(comma=last.comma)
    last = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return [*args[:-1], last, new]


def call_receiver(call: cst.Call) -> cst.BaseExpression:
    """`X` for a method call `X.f(...)`, keeping any parentheses that wrapped the call."""
    receiver = call.func.value
    if call.lpar:
        receiver = receiver.with_changes(lpar=[*call.lpar, *receiver.lpar],
                                         rpar=[*receiver.rpar, *call.rpar])
    return receiver


def last_name(expr: cst.BaseExpression) -> str | None:
    """`device` for `device`, `self.device` or `x.device`; None for other expressions."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`torch.nn.functional.relu` for that attribute chain; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def as_receiver(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node`, parenthesised when `node.method()` would otherwise bind to the wrong part."""
    atomic = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString,
              cst.List, cst.Tuple, cst.Dict, cst.Set)
    if isinstance(node, atomic) or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def is_loss_call(name: str) -> bool:
    """A function that computes a loss from logits; classes (`nn.CrossEntropyLoss`) build one."""
    if name in _NOT_LOSSES or name[:1].isupper():
        return False
    return name in _LOSS_NAMES or "loss" in name.lower()
