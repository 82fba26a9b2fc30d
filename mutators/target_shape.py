"""target-shape: predictions and targets end up as (N, 1) against (N,), and broadcasting hides it.

Two shapes of the same slip: the call that flattens a (N, 1) column into (N,) is gone
(`.squeeze(1)`, `.squeeze()`, `.view(-1)`, `.reshape(-1)`, `.flatten()`), or the target
handed to a loss gains a column it should not have (`loss_fn(pred, y)` becomes
`loss_fn(pred, y.unsqueeze(1))`).
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import (
    call_receiver,
    find_arg,
    int_value,
    is_loss_call,
    is_positional,
    last_name,
    method,
    torch_attr,
)
from mutators._base import Mutator, Site

_FLATTENING = m.Call(func=method("squeeze", "view", "reshape", "flatten", "ravel"))
_TORCH_FLATTENING = m.Call(func=torch_attr("squeeze", "flatten", "ravel"))
_TARGET_NAMES = frozenset({"y", "y_true", "label", "labels"})


def _drops_a_column(call: cst.Call, shift: int) -> bool:
    """True when `call` turns (N, 1) into (N,): squeeze of dim 1 / -1 (or every dim), a
    view or reshape to (-1,), a flatten or ravel of everything. `shift` skips the tensor
    argument of the `torch.` function form."""
    name = call.func.attr.value
    args = call.args[shift:]
    if not all(map(is_positional, args)) and name != "squeeze":
        return False
    if name in ("flatten", "ravel"):
        return not args
    if name in ("view", "reshape"):
        return len(args) == 1 and int_value(args[0].value) == -1
    if not args:  # squeeze()
        return True
    index = find_arg(call.args, shift, "dim")
    return len(args) == 1 and index is not None and int_value(call.args[index].value) in (1, -1)


def _looks_like_targets(expr: cst.BaseExpression) -> bool:
    name = last_name(expr)
    return name is not None and (name in _TARGET_NAMES or "target" in name.lower())


def _unsqueezed(expr: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name("unsqueeze")),
                    args=[cst.Arg(cst.Integer("1"))])


class TargetShape(Mutator):
    ID = "target-shape"
    TITLE = "Target shape (N, 1) against (N,)"
    EFFECT = r"shape|broadcast|target|size|fit"
    LOUD = False
    HINT = ("Print the shapes of the two tensors the loss compares, right where the loss "
            "receives them. Are they the same shape, or merely shapes that broadcast?")
    LESSON = (
        "A regression head returns one value per sample as a (N, 1) column, while targets "
        "read from a dataset are usually a flat (N,) vector. Elementwise losses such as "
        "MSELoss and L1Loss do not reject the pair: broadcasting stretches both to (N, N), "
        "comparing every prediction with every target, and the mean of that matrix is a "
        "number that still goes down a little. The model learns to predict the mean of the "
        "targets and nothing else, and the only sign is a UserWarning about a target size "
        "different to the input size, easy to miss in a training log. CrossEntropyLoss "
        "given (N, 1) class targets fails loudly instead. Squeeze the column where the "
        "prediction is made (`.squeeze(1)`, never a bare `.squeeze()` that also eats a "
        "batch of one), or unsqueeze the targets, so both sides have exactly the same "
        "shape, and treat that warning as an error."
    )

    def __init__(self, target: Site | None = None) -> None:
        super().__init__(target)
        self._discarded: set[int] = set()

    # `x.squeeze(1)` as a statement of its own changes nothing: no site there.
    def visit_Expr(self, node: cst.Expr) -> bool:
        self._discarded.add(id(node.value))
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) in self._discarded:
            return updated_node
        if m.matches(original_node, _TORCH_FLATTENING):
            args = original_node.args
            if not (args and is_positional(args[0]) and _drops_a_column(original_node, 1)):
                return updated_node

            def rewrite() -> cst.BaseExpression:
                tensor = updated_node.args[0].value
                return tensor.with_changes(lpar=[*updated_node.lpar, *tensor.lpar],
                                           rpar=[*tensor.rpar, *updated_node.rpar])
            return self.offer(original_node.func.attr, updated_node, rewrite,
                              f"drop torch.{original_node.func.attr.value}(x, ...)")
        if m.matches(original_node, _FLATTENING) and _drops_a_column(original_node, 0):
            return self.offer(original_node.func.attr, updated_node, lambda: call_receiver(updated_node),
                              f"drop .{original_node.func.attr.value}(...): the (N, 1) column stays")
        return self._loss_target(original_node, updated_node)

    def _loss_target(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = last_name(original_node.func)  # loss_fn(...), F.mse_loss(...)
        if name is None or not is_loss_call(name):
            return updated_node
        index = find_arg(original_node.args, 1, "target")
        if index is None or not _looks_like_targets(original_node.args[index].value):
            return updated_node

        def rewrite() -> cst.Call:
            args = list(updated_node.args)
            args[index] = args[index].with_changes(value=_unsqueezed(args[index].value))
            return updated_node.with_changes(args=args)
        return self.offer(original_node.args[index], updated_node, rewrite,
                          f"{name}(x, y): y -> y.unsqueeze(1)")
