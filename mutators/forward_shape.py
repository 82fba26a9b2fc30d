"""forward-shape: a reshaping call in a forward pass gets its dimensions wrong."""

import libcst as cst
from libcst import matchers as m

from mutators._args import drop_arg, find_arg, int_node, int_value, is_positional, is_torch_function, method
from mutators._base import Mutator

_RESHAPING = m.Call(func=method("flatten", "view", "reshape", "squeeze", "unsqueeze", "permute"))


def _set_value(call: cst.Call, index: int, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    args[index] = args[index].with_changes(value=value)
    return call.with_changes(args=args)


def _swap_values(args: list, i: int, j: int) -> list:
    """`args` (Args or tuple/list Elements) with the values at i and j swapped, commas kept."""
    args = list(args)
    args[i], args[j] = args[i].with_changes(value=args[j].value), args[j].with_changes(value=args[i].value)
    return args


class ForwardShape(Mutator):
    ID = "forward-shape"
    TITLE = "Wrong shape in forward"
    EFFECT = r"shape|size|row|dimension|mat1|logits"
    LOUD = True
    HINT = ("Write the shape of every tensor next to each line of the forward pass, starting "
            "from the input, and check that each reshaping step does what the comment claims.")
    LESSON = (
        "flatten, view, reshape, squeeze, unsqueeze and permute never check that their "
        "result means anything: they only need the element count to fit. flatten() without "
        "start_dim=1 swallows the batch dimension; view(-1, B) instead of view(B, -1) "
        "scrambles samples into features; squeeze() without a dim also removes a batch "
        "dimension of size 1; unsqueeze on the wrong axis broadcasts the wrong way; a "
        "permute with two axes swapped turns (B, C, H, W) into (B, C, W, H), which only "
        "looks right for square inputs. The next layer usually raises a shape error, but "
        "only for some batch sizes or image sizes. Keep the batch dimension first and "
        "explicit, and test with a batch of 1 and a non-square input."
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not m.matches(original_node, _RESHAPING):
            return updated_node
        name = original_node.func.attr.value
        function = is_torch_function(original_node)  # torch.flatten(x, 1) rather than x.flatten(1)
        if function and name not in ("flatten", "squeeze", "unsqueeze"):
            return updated_node
        found = getattr(self, f"_{name}")(original_node, updated_node, 1 if function else 0)
        if found is None:
            return updated_node
        rewrite, note = found
        return self.offer(original_node.func.attr, updated_node, rewrite, note)

    # Each rule returns (rewrite, note), or None where the call has no site.
    def _flatten(self, call: cst.Call, updated: cst.Call, shift: int):
        index = find_arg(call.args, shift, "start_dim")
        if index is None or int_value(call.args[index].value) in (0, None):
            return None
        end = find_arg(call.args, shift + 1, None)  # a positional end_dim would slide into start_dim

        def rewrite() -> cst.Call:
            args = updated.args
            if end is not None:
                args = drop_arg(args, end)
            return updated.with_changes(args=drop_arg(args, index))
        return rewrite, "flatten from dim 0"

    def _view(self, call: cst.Call, updated: cst.Call, shift: int):
        args = call.args
        if len(args) != 2 or not all(map(is_positional, args)) or int_value(args[1].value) != -1:
            return None
        if int_value(args[0].value) == -1:
            return None
        return (lambda: updated.with_changes(args=_swap_values(updated.args, 0, 1)),
                f"{call.func.attr.value}(A, -1) -> (-1, A)")

    _reshape = _view

    def _squeeze(self, call: cst.Call, updated: cst.Call, shift: int):
        index = find_arg(call.args, shift, "dim")
        if index is None:
            return None
        return lambda: updated.with_changes(args=drop_arg(updated.args, index)), "squeeze every dim"

    def _unsqueeze(self, call: cst.Call, updated: cst.Call, shift: int):
        index = find_arg(call.args, shift, "dim")
        dim = None if index is None else int_value(call.args[index].value)
        if dim is None:
            return None
        new_dim = 0 if dim != 0 else 1
        return lambda: _set_value(updated, index, int_node(new_dim)), f"unsqueeze {dim} -> {new_dim}"

    def _permute(self, call: cst.Call, updated: cst.Call, shift: int):
        args = call.args
        if len(args) >= 3 and all(map(is_positional, args)):
            if args[-1].value.deep_equals(args[-2].value):
                return None
            return (lambda: updated.with_changes(args=_swap_values(updated.args, -2, -1)),
                    "swap the last two permuted dims")
        if len(args) == 1 and is_positional(args[0]) and isinstance(args[0].value, (cst.Tuple, cst.List)):
            dims = args[0].value.elements
            if len(dims) < 3 or any(isinstance(d, cst.StarredElement) for d in dims[-2:]):
                return None
            if dims[-1].value.deep_equals(dims[-2].value):
                return None

            def rewrite() -> cst.Call:
                sequence = updated.args[0].value
                return _set_value(updated, 0, sequence.with_changes(
                    elements=_swap_values(sequence.elements, -2, -1)))
            return rewrite, "swap the last two permuted dims"
        return None
