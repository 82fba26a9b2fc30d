"""residual: a skip connection is dropped, or added to the wrong tensor.

A residual connection is an addition of a branch and a skip: `x + self.f(x)`,
`out = out + identity`, `out += self.shortcut(x)`, `return x + h`. The skip is the operand
named like one (identity, shortcut, skip, downsample), else a name the other operand is
computed from (`x` in `x + f(g(x))`, `h` in `h + r` after `r = block(h)`), else one named
like a residual, else, inside `forward`, an argument of `forward` itself. Two slips:
- the skip is dropped: `x + self.f(x)` becomes `self.f(x)`; `out = out + identity` and
  `out += identity` lose their line;
- the skip is taken from the wrong tensor: a skip variable is replaced by the tensor it was
  computed from, one block too early (`h + ffn(ln2(h))` with `h = x + ...` becomes
  `x + ffn(ln2(h))`; `out += identity` with `identity = self.shortcut(x)` becomes `out += x`).
"""

from __future__ import annotations

import libcst as cst

from mutators._args import last_name
from mutators._base import Mutator, Site

_SKIP_WORDS = ("identity", "shortcut", "skip", "downsample")  # "residual" names either side: weaker


class _Names(cst.CSTVisitor):
    """Plain names read by an expression, in source order (not `obj` of `obj.attr`, not callees)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if not isinstance(node.value, cst.Name):
            node.value.visit(self)
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if not isinstance(node.func, cst.Name):
            node.func.visit(self)
        for arg in node.args:
            arg.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)


def _names_in(expr: cst.BaseExpression) -> list[str]:
    finder = _Names()
    expr.visit(finder)
    return finder.names


def _skip_score(expr: cst.BaseExpression) -> int:
    """2 for a name like identity or shortcut, 1 for one like residual, else 0."""
    name = last_name(expr.func) if isinstance(expr, cst.Call) else last_name(expr)
    if name is None:
        return 0
    name = name.lower()
    return 2 if any(word in name for word in _SKIP_WORDS) else int("residual" in name)


def _is_branch(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.Name, cst.Call))


def _bare(expr: cst.BaseExpression, outer: cst.BaseExpression) -> cst.BaseExpression:
    """`expr` standing where `outer` stood, keeping the outer parentheses only."""
    if isinstance(expr, (cst.Name, cst.Call, cst.Attribute, cst.Subscript)):
        expr = expr.with_changes(lpar=[], rpar=[])
    if outer.lpar and not expr.lpar:
        expr = expr.with_changes(lpar=outer.lpar, rpar=outer.rpar)
    return expr


class _Scope:
    def __init__(self, name: str, parameters: list[str]) -> None:
        self.name = name
        self.parameters = parameters
        self.assigned: dict[str, cst.BaseExpression] = {}  # name -> its latest value so far


class Residual(Mutator):
    ID = "residual"
    TITLE = "Broken residual connection"
    EFFECT = r"residual|input through|identity|skip"
    LOUD = False
    HINT = ("For every addition in forward(), say which operand is the skip path and which is "
            "the branch, and check that the skip carries exactly the tensor that entered the "
            "branch.")
    LESSON = (
        "A residual block computes x + f(x): the branch f learns a correction, and the skip "
        "carries x through unchanged, so a deep stack starts close to the identity and its "
        "gradients reach early layers through the additions. Drop the skip and the block is a "
        "plain layer again: nothing crashes, shapes are fine, but deep networks train slowly "
        "or not at all and outputs drift away from the inputs' scale. Add the branch to the "
        "wrong tensor (the input of an earlier block, or the input before the shortcut "
        "projection) and the sum silently skips a whole sublayer, or raises a size error only "
        "when channels or strides change. Check every residual line: the skip operand must be "
        "the very tensor the branch read (or its projection, when the shapes differ). With "
        "the branch's last layer zeroed, a correct block returns its input."
    )

    def __init__(self, target: Site | None = None) -> None:
        super().__init__(target)
        self._scopes: list[_Scope] = []
        self._statements: dict[int, cst.BaseExpression] = {}  # id of an addition handled as a
        # whole statement (`out = out + identity`) -> its branch, where the site is anchored

    # -- scopes: parameters and assignments seen so far -------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        parameters = [p.name.value for p in (*node.params.posonly_params, *node.params.params,
                                             *node.params.kwonly_params) if p.name.value != "self"]
        self._scopes.append(_Scope(node.name.value, parameters))
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
        self._scopes.pop()
        return updated_node

    def _record(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if self._scopes and isinstance(target, cst.Name):
            self._scopes[-1].assigned[target.value] = value

    # -- which operand is the skip ----------------------------------------------------------
    def _split(self, a: cst.BaseExpression, b: cst.BaseExpression):
        """`(skip, branch)` for an addition of `a` and `b`, or None when it is no residual."""
        if not self._scopes:
            return None
        scope = self._scopes[-1]
        for skip, branch in ((b, a), (a, b)):
            if _skip_score(skip) == 2 and _skip_score(branch) < 2 and _is_branch(branch):
                return skip, branch
        for skip, branch in ((a, b), (b, a)):
            if isinstance(skip, cst.Name) and isinstance(branch, cst.Call) and skip.value in _names_in(branch):
                return skip, branch
        for skip, branch in ((a, b), (b, a)):  # `residual = block(h)`, then `h + residual`
            if isinstance(skip, cst.Name) and isinstance(branch, cst.Name) and branch.value in scope.assigned \
                    and skip.value in _names_in(scope.assigned[branch.value]) \
                    and not isinstance(scope.assigned[branch.value], cst.Name):
                return skip, branch
        for skip, branch in ((b, a), (a, b)):
            if _skip_score(skip) > _skip_score(branch) and _is_branch(branch):
                return skip, branch
        if scope.name == "forward":
            for skip, branch in ((a, b), (b, a)):
                if isinstance(skip, cst.Name) and skip.value in scope.parameters and _is_branch(branch) \
                        and not branch.deep_equals(skip):
                    return skip, branch
        return None

    def _earlier(self, skip: cst.BaseExpression) -> str | None:
        """The tensor `skip` was computed from, one step earlier: `x` for `h = x + f(x)`."""
        if not isinstance(skip, cst.Name) or not self._scopes:
            return None
        scope = self._scopes[-1]
        value = scope.assigned.get(skip.value)
        if value is None or isinstance(value, cst.Name):
            return None  # never assigned here, or a plain alias: the same tensor
        known = set(scope.parameters) | set(scope.assigned)
        return next((n for n in _names_in(value) if n != skip.value and n in known), None)

    # -- statements: `out = out + identity`, `out += identity` ------------------------------
    def visit_Assign(self, node: cst.Assign) -> bool:
        value = node.value
        if len(node.targets) == 1 and isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            found = self._split(value.left, value.right)
            if found is not None and found[1].deep_equals(node.targets[0].target):
                self._statements[id(value)] = found[1]
        return True

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign):
        if len(original_node.targets) == 1:
            self._record(original_node.targets[0].target, original_node.value)
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if len(original_node.body) != 1 or len(updated_node.body) != 1:
            return updated_node
        statement = original_node.body[0]
        if isinstance(statement, cst.Assign) and id(statement.value) in self._statements:
            return self.offer(self._statements[id(statement.value)], updated_node, cst.RemoveFromParent,
                              "skip dropped: the line goes")
        return updated_node

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign):
        target = original_node.target
        if not isinstance(original_node.operator, cst.AddAssign) or not isinstance(target, cst.Name):
            return updated_node
        found = self._split(target, original_node.value)
        if found is None:
            return updated_node
        skip, branch = found
        new_target, new_value = updated_node.target, updated_node.value
        if skip is target:  # x += f(x): the branch is the value
            result = self.offer(branch, updated_node, lambda: cst.Assign(
                targets=[cst.AssignTarget(new_target)], value=new_value), "x += f(x) -> x = f(x)")
            earlier = self._earlier(skip)
            if earlier is not None and result is updated_node:
                result = self.offer(skip, updated_node, lambda: cst.Assign(
                    targets=[cst.AssignTarget(new_target)],
                    value=cst.BinaryOperation(cst.Name(earlier), cst.Add(), new_value)),
                    f"x += f(x) -> x = {earlier} + f(x)")
        else:  # out += identity: the skip is the value
            result = self.offer(branch, updated_node, cst.RemoveFromParent, "skip dropped: the line goes")
            earlier = self._earlier(skip)
            if earlier is not None and result is updated_node:
                result = self.offer(skip, updated_node, lambda: updated_node.with_changes(
                    value=cst.Name(earlier)), f"+= {skip.value} -> += {earlier}")
        self._record(target, cst.BinaryOperation(target, cst.Add(), original_node.value))
        return result

    # -- additions anywhere -------------------------------------------------------------------
    def leave_BinaryOperation(self, original_node: cst.BinaryOperation,
                              updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        if not isinstance(original_node.operator, cst.Add):
            return updated_node
        found = self._split(original_node.left, original_node.right)
        if found is None:
            return updated_node
        skip, branch = found
        skip_left = skip is original_node.left
        new_skip, new_branch = updated_node.left, updated_node.right
        if not skip_left:
            new_skip, new_branch = new_branch, new_skip
        result = updated_node
        if id(original_node) not in self._statements:
            result = self.offer(branch, updated_node, lambda: _bare(new_branch, updated_node), "skip dropped")
        earlier = self._earlier(skip)
        if earlier is not None and result is updated_node:
            replacement = cst.Name(earlier, lpar=new_skip.lpar, rpar=new_skip.rpar)
            result = self.offer(skip, updated_node, lambda: updated_node.with_changes(
                left=replacement if skip_left else new_branch, right=new_branch if skip_left else replacement),
                f"skip from {earlier} instead of {skip.value}")
        return result
