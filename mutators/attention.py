"""attention: scaled dot-product attention computed almost right.

Four slips, none of which changes a shape:
- the scores lose their 1/sqrt(d_k) (`q @ k.T / math.sqrt(d_k)`, `* self.scale`, `/= ...`);
- the softmax runs over the queries instead of the keys (`dim=-1` becomes `dim=-2`);
- the mask's polarity flips (`masked_fill(~mask, ...)` becomes `masked_fill(mask, ...)`,
  `== 0` becomes `!= 0`, `torch.where(mask, a, b)` swaps its branches);
- heads are split or merged without a transpose: `x.view(B, T, h, d).transpose(1, 2)`
  becomes `x.view(B, h, T, d)`, and `out.transpose(1, 2).reshape(B, T, D)` loses its transpose.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import dotted_name, find_arg, int_node, int_value, is_positional, last_name
from mutators._base import Mutator

_SCORE_NAMES = frozenset({"q", "query", "queries", "scores", "score", "attn_scores", "att", "attn",
                          "logits", "attn_logits", "energy", "sim", "similarity"})
_MATMUL_CALLS = frozenset({"matmul", "bmm", "einsum", "mm"})
_SOFTMAX_FUNCTIONS = frozenset({"torch.softmax", "F.softmax", "nn.functional.softmax",
                                "torch.nn.functional.softmax"})
_SPLIT = m.Call(func=m.Attribute(attr=m.Name("view") | m.Name("reshape")))
_MERGE = m.Call(func=m.Attribute(attr=m.Name("view") | m.Name("reshape") | m.Name("flatten")))


class _Finder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.MatrixMultiply):
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        if last_name(node.func) in _MATMUL_CALLS:
            self.found = True


def _looks_like_scores(expr: cst.BaseExpression) -> bool:
    """A matrix product, or a tensor named like queries or attention scores."""
    if last_name(expr) in _SCORE_NAMES:
        return True
    finder = _Finder()
    expr.visit(finder)
    return finder.found


def _is_sqrt(expr: cst.BaseExpression) -> bool:
    """`math.sqrt(d)`, `torch.sqrt(d)`, `d.sqrt()`, `sqrt(d)` or `d ** 0.5`."""
    if isinstance(expr, cst.Call) and last_name(expr.func) == "sqrt":
        return True
    return (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power)
            and isinstance(expr.right, cst.Float) and float(expr.right.value) == 0.5)


def _is_inverse_sqrt(expr: cst.BaseExpression) -> bool:
    """`self.scale`, `scale`, `d ** -0.5` or `1 / math.sqrt(d)`."""
    name = last_name(expr)
    if name is not None and "scale" in name.lower():
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power):
        exponent = expr.right
        return (isinstance(exponent, cst.UnaryOperation) and isinstance(exponent.operator, cst.Minus)
                and isinstance(exponent.expression, cst.Float) and float(exponent.expression.value) == 0.5)
    if not isinstance(expr, cst.BinaryOperation) or not isinstance(expr.operator, cst.Divide):
        return False
    one = float(expr.left.value) == 1.0 if isinstance(expr.left, cst.Float) else int_value(expr.left) == 1
    return one and _is_sqrt(expr.right)


def _unwrapped(outer: cst.BaseExpression, inner: cst.BaseExpression) -> cst.BaseExpression:
    """`inner` standing where `outer` stood, with no parentheses left that nothing needs.

    `outer` was a product or quotient; an operand that binds at least as tightly (an atom, a
    matrix product, another product) needs no parentheses of its own in its place."""
    tight = isinstance(inner, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or (
        isinstance(inner, cst.BinaryOperation)
        and isinstance(inner.operator, (cst.MatrixMultiply, cst.Multiply, cst.Divide)))
    if tight:
        inner = inner.with_changes(lpar=[], rpar=[])
    if outer.lpar and not inner.lpar:
        inner = inner.with_changes(lpar=outer.lpar, rpar=outer.rpar)
    return inner


def _is_head_transpose(call: cst.BaseExpression) -> bool:
    """`.transpose(1, 2)`, `.transpose(2, 1)` or `.permute(0, 2, 1, 3)`."""
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return False
    values = [int_value(a.value) for a in call.args] if all(map(is_positional, call.args)) else None
    name = call.func.attr.value
    return (name == "transpose" and values in ([1, 2], [2, 1])) or (name == "permute" and values == [0, 2, 1, 3])


def _four_dims(call: cst.Call) -> bool:
    return len(call.args) == 4 and all(map(is_positional, call.args))


class Attention(Mutator):
    ID = "attention"
    TITLE = "Attention computed almost right"
    EFFECT = r"attention|softmax|mask|weights|head"
    LOUD = False
    HINT = ("Write the shape of q, k, v, the scores and the weights next to each line, name "
            "the axis of every reduction and reshape, and check what each query's weights "
            "sum to and which keys they may use.")
    LESSON = (
        "Scaled dot-product attention is softmax(q k^T / sqrt(d_k)) v, and each of its pieces "
        "can be wrong without any shape changing. Without the 1/sqrt(d_k) the scores grow with "
        "the head size and the softmax saturates into near one-hot weights with vanishing "
        "gradients. The softmax must run over the keys (the last axis of (..., T_q, T_k)) so "
        "that every query's weights sum to 1; over dim=-2 it normalises across queries instead. "
        "A boolean mask in PyTorch's convention is True where a query may attend, so the "
        "scores to fill with -inf are where it is False: fill where it is True and every query "
        "looks only at what it must ignore. Splitting heads needs view(B, T, h, d_k) and then "
        "transpose(1, 2): a direct view(B, h, T, d_k) has the right shape but gives each head "
        "a run of consecutive tokens instead of a slice of every token's features, and merging "
        "without transposing back scrambles heads into positions. Compare against "
        "F.scaled_dot_product_attention or nn.MultiheadAttention with the weights copied over."
    )

    def __init__(self, target=None) -> None:
        super().__init__(target)
        self._statements: set[int] = set()

    # `scores /= math.sqrt(d_k)` on its own line: the whole line goes.
    @staticmethod
    def _scaling_statement(line: cst.SimpleStatementLine) -> cst.AugAssign | None:
        if len(line.body) != 1 or not isinstance(line.body[0], cst.AugAssign):
            return None
        statement = line.body[0]
        if not _looks_like_scores(statement.target):
            return None
        if isinstance(statement.operator, cst.DivideAssign) and _is_sqrt(statement.value):
            return statement
        if isinstance(statement.operator, cst.MultiplyAssign) and _is_inverse_sqrt(statement.value):
            return statement
        return None

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        statement = self._scaling_statement(original_node)
        if statement is None:
            return updated_node
        return self.offer(statement.value, updated_node, cst.RemoveFromParent, "delete the 1/sqrt(d_k) scaling")

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation,
                              updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        operator = original_node.operator
        left, right = original_node.left, original_node.right
        if isinstance(operator, cst.Divide) and _is_sqrt(right) and _looks_like_scores(left):
            return self.offer(right, updated_node, lambda: _unwrapped(updated_node, updated_node.left),
                              "drop / sqrt(d_k)")
        if isinstance(operator, cst.Multiply):
            if _is_inverse_sqrt(right) and _looks_like_scores(left):
                return self.offer(right, updated_node, lambda: _unwrapped(updated_node, updated_node.left),
                                  "drop * 1/sqrt(d_k)")
            if _is_inverse_sqrt(left) and _looks_like_scores(right):
                return self.offer(left, updated_node, lambda: _unwrapped(updated_node, updated_node.right),
                                  "drop 1/sqrt(d_k) *")
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not isinstance(func, cst.Attribute):
            return updated_node
        name = func.attr.value
        if name == "softmax":
            return self._softmax(original_node, updated_node)
        if name in ("masked_fill", "masked_fill_"):
            function = m.matches(func.value, m.Name("torch"))
            index = find_arg(original_node.args, 1 if function else 0, "mask")
            if index is None:
                return updated_node
            return self._flip(original_node, updated_node, index)
        if dotted_name(func) == "torch.where" and len(original_node.args) == 3 \
                and all(map(is_positional, original_node.args)) \
                and "mask" in cst.Module([]).code_for_node(original_node.args[0].value).lower():
            def swap() -> cst.Call:
                args = list(updated_node.args)
                args[1], args[2] = args[1].with_changes(value=args[2].value), args[2].with_changes(value=args[1].value)
                return updated_node.with_changes(args=args)
            return self.offer(original_node.args[0], updated_node, swap, "torch.where: branches swapped")
        if _is_head_transpose(original_node) and m.matches(func.value, _SPLIT) and _four_dims(func.value):
            def split() -> cst.Call:
                view = updated_node.func.value
                args = list(view.args)
                args[1], args[2] = args[1].with_changes(value=args[2].value), args[2].with_changes(value=args[1].value)
                return _unwrapped(updated_node, view.with_changes(args=args))
            return self.offer(func.attr, updated_node, split, "split heads by view alone, no transpose")
        if m.matches(original_node, _MERGE):
            receiver = func.value
            contiguous = m.matches(receiver, m.Call(func=m.Attribute(attr=m.Name("contiguous")), args=[]))
            transposed = receiver.func.value if contiguous else receiver
            if _is_head_transpose(transposed):
                def merge() -> cst.Call:
                    inner = updated_node.func.value
                    if contiguous:
                        inner = inner.with_changes(func=inner.func.with_changes(value=inner.func.value.func.value))
                    else:
                        inner = inner.func.value
                    return updated_node.with_changes(func=updated_node.func.with_changes(value=inner))
                return self.offer(func.attr, updated_node, merge, "merge heads without transposing back")
        return updated_node

    def _softmax(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        function = dotted_name(original.func) in _SOFTMAX_FUNCTIONS
        if function:
            if not original.args or not is_positional(original.args[0]):
                return updated
            scores = original.args[0].value
        elif isinstance(original.func.value, cst.Name) and original.func.value.value in ("F", "torch"):
            return updated
        else:
            scores = original.func.value
        index = find_arg(original.args, 1 if function else 0, "dim")
        dim = None if index is None else int_value(original.args[index].value)
        if dim is None or not _looks_like_scores(scores):
            return updated
        new = {-1: -2, -2: -1}.get(dim, dim - 1 if dim > 0 else dim + 1)
        if dim == 0:
            new = 1
        return self.offer(original.args[index], updated, lambda: updated.with_changes(args=[
            *updated.args[:index], updated.args[index].with_changes(value=int_node(new)),
            *updated.args[index + 1:]]), f"softmax dim {dim} -> {new}")

    def _flip(self, original: cst.Call, updated: cst.Call, index: int) -> cst.BaseExpression:
        mask = original.args[index].value
        if isinstance(mask, cst.UnaryOperation) and isinstance(mask.operator, cst.BitInvert):
            def flipped(value):
                inner = value.expression
                atomic = isinstance(inner, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))
                return inner.with_changes(lpar=[], rpar=[]) if atomic else inner
            note = "~mask -> mask"
        elif (isinstance(mask, cst.Call) and last_name(mask.func) == "logical_not"
              and (len(mask.args) == 1 or not mask.args)):
            def flipped(value):
                return value.args[0].value if value.args else value.func.value
            note = "logical_not(mask) -> mask"
        elif (isinstance(mask, cst.Comparison) and len(mask.comparisons) == 1
              and isinstance(mask.comparisons[0].operator, (cst.Equal, cst.NotEqual))):
            def flipped(value):
                target = value.comparisons[0]
                swapped = cst.NotEqual if isinstance(target.operator, cst.Equal) else cst.Equal
                operator = swapped(whitespace_before=target.operator.whitespace_before,
                                   whitespace_after=target.operator.whitespace_after)
                return value.with_changes(comparisons=[target.with_changes(operator=operator)])
            note = "== <-> !="
        elif isinstance(mask, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            def flipped(value):
                return cst.UnaryOperation(operator=cst.BitInvert(), expression=value)
            note = "mask -> ~mask"
        else:
            return updated
        return self.offer(original.args[index], updated, lambda: updated.with_changes(args=[
            *updated.args[:index], updated.args[index].with_changes(value=flipped(updated.args[index].value)),
            *updated.args[index + 1:]]), f"mask polarity: {note}")
