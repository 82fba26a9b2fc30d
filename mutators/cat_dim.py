"""cat-dim: tensors are joined along the wrong dimension."""

import libcst as cst
from libcst import matchers as m

from mutators._args import append_keyword, find_arg, int_node, int_value, torch_attr
from mutators._base import Mutator

_JOIN_CALL = m.Call(func=torch_attr("cat", "concat", "concatenate", "stack"))


class CatDim(Mutator):
    ID = "cat-dim"
    TITLE = "Concatenating along the wrong dimension"
    EFFECT = r"shape|size|row|join|sample|feature"
    LOUD = True
    HINT = ("When tensors are joined, every dimension but one must agree. For each join, write "
            "down the input shapes and the shape you expect out, then check which axis grows.")
    LESSON = (
        "torch.cat and torch.stack default to dim=0, the batch dimension, which is rarely "
        "what a model wants when it joins features or channels. Joining on the wrong axis "
        "either raises 'Sizes of tensors must match except in dimension ...' or, worse, "
        "succeeds because the shapes happen to line up (a square batch, equal feature "
        "counts) and silently mixes samples with features. With (B, F) inputs, features "
        "join on dim=1 (or -1); with (B, C, H, W) maps, channels join on dim=1. Write the "
        "shape next to every cat and stack and say the dim out loud."
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not m.matches(original_node, _JOIN_CALL) or not original_node.args:
            return updated_node
        index = find_arg(original_node.args, 1, "dim")
        if index is None:
            index = find_arg(original_node.args, None, "axis")  # torch.concatenate's numpy name
        if index is None:
            if find_arg(original_node.args, 0, None) is None:
                return updated_node  # torch.cat(*parts) and friends: the dim cannot be read
            return self.offer(original_node.func.attr, updated_node, lambda: updated_node.with_changes(
                args=append_keyword(updated_node.args, "dim", cst.Integer("1"))), "add dim=1")
        dim = int_value(original_node.args[index].value)
        if dim is None:
            return updated_node
        new_dim = 0 if dim != 0 else 1
        return self.offer(original_node.func.attr, updated_node, lambda: updated_node.with_changes(
            args=[*updated_node.args[:index],
                  updated_node.args[index].with_changes(value=int_node(new_dim)),
                  *updated_node.args[index + 1:]]), f"dim {dim} -> {new_dim}")
