"""norm-placement: the LayerNorm of a Pre-LN residual sublayer sits in the wrong place.

A Pre-LN sublayer is `x = x + f(norm(x))`: the branch reads a normalised copy and the
residual stream stays raw. Two slips move the norm:
- Post-LN where Pre-LN is specified: `x = norm(x + f(x))`;
- the norm applied to the residual stream too: `x = norm(x) + f(norm(x))`.
Both forms are offered for `x = x + ...`, `x += ...` and `return x + ...`, with the skip
on either side of the `+`.
"""

import libcst as cst

from mutators._args import is_positional, last_name
from mutators._base import Mutator


def _is_norm(func: cst.BaseExpression) -> bool:
    """`self.ln1`, `self.norm2`, `self.ln_f`, `self.attn_norm`, `layer_norm`: a normalisation layer."""
    name = last_name(func)
    return name is not None and (name.lower().startswith("ln") or "norm" in name.lower())


class _NormCalls(cst.CSTVisitor):
    """Every call `norm(skip)` inside a branch, outermost first."""

    def __init__(self, skip: cst.BaseExpression) -> None:
        self.skip = skip
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if (_is_norm(node.func) and len(node.args) == 1 and is_positional(node.args[0])
                and node.args[0].value.deep_equals(self.skip)):
            self.calls.append(node)


def _norm_calls(branch: cst.BaseExpression, skip: cst.BaseExpression) -> list[cst.Call]:
    finder = _NormCalls(skip)
    branch.visit(finder)
    return finder.calls


def _split(node: cst.BinaryOperation) -> tuple[cst.BaseExpression, cst.BaseExpression, bool] | None:
    """`(skip, branch, skip_on_the_left)` for `x + f(norm(x))` or `f(norm(x)) + x`."""
    if not isinstance(node.operator, cst.Add):
        return None
    for skip, branch, left in ((node.left, node.right, True), (node.right, node.left, False)):
        if isinstance(skip, cst.Name) and _norm_calls(branch, skip):
            return skip, branch, left
    return None


class _Unwrap(cst.CSTTransformer):
    def __init__(self, skip: cst.BaseExpression) -> None:
        super().__init__()
        self.skip = skip

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if _norm_calls(original_node, self.skip) and original_node is _norm_calls(original_node, self.skip)[0]:
            return self.skip.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node


def _without_norm(branch: cst.BaseExpression, skip: cst.BaseExpression) -> cst.BaseExpression:
    """`branch` with every `norm(skip)` replaced by `skip` itself."""
    return branch.visit(_Unwrap(skip))


class NormPlacement(Mutator):
    ID = "norm-placement"
    TITLE = "LayerNorm in the wrong place"
    EFFECT = r"Pre-LN|norm"
    LOUD = False
    HINT = ("In a Pre-LN block every sublayer reads a normalised copy of the residual stream, "
            "and adds its output back to the stream itself. For each residual line, ask which "
            "tensor is normalised and which one is carried forward.")
    LESSON = (
        "Where the LayerNorm sits decides how a transformer trains. Pre-LN, `x = x + f(ln(x))`, "
        "keeps an unbroken residual path from input to output: the stream is only ever added "
        "to, each block starts close to the identity, and gradients reach early layers "
        "undisturbed, so deep stacks train without a long learning-rate warm-up. Post-LN, "
        "`x = ln(x + f(x))`, the original transformer's layout, renormalises the stream after "
        "every block; it works, but it is a different model, with different outputs for the "
        "same weights and gradients that shrink towards the input in deep stacks. Normalising "
        "the stream itself, `x = ln(x) + f(ln(x))`, throws the raw stream away at every block. "
        "None of these raises an error or changes a shape. Check each residual line against "
        "the specification, and compare the block with nn.TransformerEncoderLayer("
        "norm_first=True) with the weights copied over."
    )

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation,
                              updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        found = _split(original_node)
        if found is None:
            return updated_node
        skip, branch, left = found
        new_skip, new_branch = updated_node.left, updated_node.right
        if not left:
            new_skip, new_branch = new_branch, new_skip
        norm = _norm_calls(branch, skip)[0]
        new_norm = _norm_calls(new_branch, skip)[0]

        def post_ln() -> cst.BaseExpression:
            moved = _without_norm(new_branch, skip)
            inner = updated_node.with_changes(left=new_skip if left else moved, right=moved if left else new_skip,
                                              lpar=[], rpar=[])
            return new_norm.with_changes(args=[cst.Arg(inner)], lpar=updated_node.lpar, rpar=updated_node.rpar)

        def normalised_stream() -> cst.BaseExpression:
            stream = new_norm.with_changes(lpar=[], rpar=[])
            return updated_node.with_changes(left=stream if left else new_branch, right=new_branch if left else stream)

        result = self.offer(norm, updated_node, post_ln, "Pre-LN -> Post-LN: norm(x + f(x))")
        if result is not updated_node:
            return result
        return self.offer(skip, updated_node, normalised_stream, "norm(x) + f(norm(x)): the stream normalised")

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign):
        skip = original_node.target
        if not isinstance(original_node.operator, cst.AddAssign) or not isinstance(skip, cst.Name):
            return updated_node
        calls = _norm_calls(original_node.value, skip)
        if not calls:
            return updated_node
        new_norm = _norm_calls(updated_node.value, skip)[0]

        def post_ln() -> cst.Assign:
            total = cst.BinaryOperation(left=updated_node.target, operator=cst.Add(),
                                        right=_without_norm(updated_node.value, skip))
            value = new_norm.with_changes(args=[cst.Arg(total)])
            return cst.Assign(targets=[cst.AssignTarget(updated_node.target)], value=value)

        def normalised_stream() -> cst.Assign:
            value = cst.BinaryOperation(left=new_norm, operator=cst.Add(), right=updated_node.value)
            return cst.Assign(targets=[cst.AssignTarget(updated_node.target)], value=value)

        result = self.offer(calls[0], updated_node, post_ln, "Pre-LN -> Post-LN: x = norm(x + f(x))")
        if result is not updated_node:
            return result
        return self.offer(skip, updated_node, normalised_stream, "x = norm(x) + f(norm(x))")
