"""rewrap: a call's arguments laid out another way. Pure formatting.

Only a call that is a whole statement's value (`x = f(a, b)`, `return f(a, b)`, `f(a, b)`)
is touched. A long one-line call of a plain or dotted name (`torch.optim.SGD(...)`, never
the tail of a chain) with two or more arguments is split one argument per line, with a
trailing comma; a call already split over lines is joined onto
one line when the whole line fits in 99 columns and no comment sits among its arguments.
"""

from __future__ import annotations

import libcst as cst

from camouflage._base import Rewrite

MAX_LINE = 99
SPLIT_FROM = 80  # shorter code stays on its line: splitting it would look odd

_SMALL = (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)


def _has_comment(whitespace) -> bool:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.first_line.comment is not None or any(e.comment for e in whitespace.empty_lines)
    return False


def _dotted(node: cst.BaseExpression) -> bool:
    """`f`, `torch.optim.SGD`, `self.head`: a name, not the result of another call."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _gaps(call: cst.Call) -> list:
    """Every piece of whitespace that belongs to the call's own argument list."""
    gaps = [call.whitespace_after_func, call.whitespace_before_args]
    for arg in call.args:
        gaps += [arg.whitespace_after_star, arg.whitespace_after_arg]
        if isinstance(arg.comma, cst.Comma):
            gaps += [arg.comma.whitespace_before, arg.comma.whitespace_after]
        if isinstance(arg.equal, cst.AssignEqual):
            gaps += [arg.equal.whitespace_before, arg.equal.whitespace_after]
    return gaps


class Rewrap(Rewrite):
    ID = "rewrap"
    DESCRIPTION = "split a long call one argument per line, or join a split call onto one line"
    STATEMENTS_ONLY = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._indents: list[str] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._indents.append(self.module.default_indent if node.indent is None else node.indent)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock):
        self._indents.pop()
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if len(updated_node.body) != 1 or not isinstance(updated_node.body[0], _SMALL):
            return updated_node
        small = updated_node.body[0]
        call = getattr(small, "value", None)
        if not isinstance(call, cst.Call) or call.lpar or not call.args:
            return updated_node
        indent = "".join(self._indents)
        comment = self.code(updated_node.trailing_whitespace).rstrip("\r\n")
        one_line = "\n" not in self.code(small)
        if one_line:
            new = self._split(call)
            if len(indent + self.code(small)) < SPLIT_FROM or new is None:  # a long comment is no reason
                return updated_node
        else:
            new = self._join(call)
            if new is None or len(indent + self.code(small.with_changes(value=new)) + comment) > MAX_LINE:
                return updated_node
        if not self.chance(original_node):
            return updated_node
        return updated_node.with_changes(body=[small.with_changes(value=new)])

    def _split(self, call: cst.Call) -> cst.Call | None:
        args = call.args
        if (len(args) < 2 or not _dotted(call.func)  # never the tail of a chain: `.view(...).transpose(1, 2)`
                or isinstance(call.whitespace_after_func, cst.ParenthesizedWhitespace)):
            return None

        def newline(extra: str) -> cst.ParenthesizedWhitespace:
            return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(extra))

        step = self.module.default_indent
        laid_out = []
        for position, arg in enumerate(args):
            after = newline("" if position == len(args) - 1 else step)
            comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=after)
            laid_out.append(arg.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace("")))
        return call.with_changes(whitespace_before_args=newline(step), args=laid_out)

    def _join(self, call: cst.Call) -> cst.Call | None:
        if any(_has_comment(gap) for gap in _gaps(call)):
            return None
        joined = []
        for position, arg in enumerate(call.args):
            last = position == len(call.args) - 1
            comma = cst.MaybeSentinel.DEFAULT if last else cst.Comma(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(" "))
            joined.append(arg.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace("")))
        new = call.with_changes(whitespace_before_args=cst.SimpleWhitespace(""), args=joined,
                                whitespace_after_func=cst.SimpleWhitespace(""))
        return None if "\n" in self.code(new) else new
