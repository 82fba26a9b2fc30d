"""labels-dtype: class labels stay (or become) floating point where int64 is required."""

import libcst as cst
from libcst import matchers as m

from mutators._args import call_receiver, drop_arg, method, torch_attr
from mutators._base import Mutator

_INT64 = torch_attr("int64", "long")
_LONG_CALL = m.Call(func=method("long"), args=[])
_TO_CALL = m.Call(func=method("to"))


def _is_dtype_arg(arg: cst.Arg, in_to: bool) -> bool:
    if not m.matches(arg.value, _INT64):
        return False
    if arg.keyword is not None:
        return arg.keyword.value == "dtype"
    return in_to and arg.star == ""


class LabelsDtype(Mutator):
    ID = "labels-dtype"
    TITLE = "Labels with the wrong dtype"
    EFFECT = r"int64|dtype|label|float|long|scalar type"
    LOUD = True
    HINT = ("Loss functions are picky about the type of their targets. Follow the labels from "
            "where they are made to where the loss reads them: what dtype do they have?")
    LESSON = (
        "CrossEntropyLoss and NLLLoss read class-index targets as int64 (torch.long); given "
        "float targets of the same shape they either raise 'expected scalar type Long' or, "
        "since class probabilities are also allowed as float targets, complain about the "
        "shape. The int64 usually comes from one easy-to-lose spot: a .long() or .to(torch.long) "
        "on the labels, or dtype=torch.long where they are created, while torch.tensor of "
        "Python floats, numpy float arrays and most arithmetic give float32. Check the dtype "
        "of labels where they are created and again where the loss receives them."
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if m.matches(original_node, _LONG_CALL):
            return self.offer(original_node.func.attr, updated_node,
                              lambda: call_receiver(updated_node), "drop .long()")
        in_to = m.matches(original_node, _TO_CALL)
        for index, arg in enumerate(original_node.args):
            if not _is_dtype_arg(arg, in_to):
                continue
            if in_to and len(original_node.args) == 1:
                return self.offer(arg, updated_node, lambda: call_receiver(updated_node),
                                  "drop the int64 .to()")
            if in_to:
                return self.offer(arg, updated_node, lambda i=index: updated_node.with_changes(
                    args=drop_arg(updated_node.args, i)), "drop the int64 dtype from .to()")
            float32 = cst.Attribute(value=cst.Name("torch"), attr=cst.Name("float32"))
            return self.offer(arg, updated_node, lambda i=index: updated_node.with_changes(
                args=[*updated_node.args[:i],
                      updated_node.args[i].with_changes(value=float32),  # noqa: B023 - called at once
                      *updated_node.args[i + 1:]]), "dtype int64 -> float32")
        return updated_node
