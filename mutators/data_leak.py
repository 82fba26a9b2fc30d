"""data-leak: validation samples reach training, or statistics are taken from the whole set.

Three rewrites. After `train, val = <a split>(data, ...)`, a later call that receives
`train` gets `data` instead (the model trains on every sample). A `Subset(data, order[a:b])`
loses its slice and indexes every sample (the two parts of a split overlap). An index by a
training selection, `features[train_idx]` or `features[train_set.indices]`, is dropped, so
whatever is computed from it (a mean, a std, a vocabulary) comes from the whole set.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import dotted_name, is_positional, last_name
from mutators._base import Mutator

_SUBSET = m.Call(func=m.Name("Subset") | m.Attribute(attr=m.Name("Subset")))


def _is_split(call: cst.BaseExpression) -> bool:
    name = last_name(call.func) if isinstance(call, cst.Call) else None
    return name is not None and "split" in name.lower()


def _training_index(node: cst.Subscript) -> bool:
    """`x[train_idx]`, `x[train_set.indices]`: one index naming a training selection."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    name = dotted_name(node.slice[0].slice.value)
    return name is not None and "train" in name.lower()


class DataLeak(Mutator):
    ID = "data-leak"
    TITLE = "Validation data leaking into training"
    EFFECT = r"validation|leak|statistic|overlap"
    LOUD = False
    HINT = ("List every place the training side reads data: the samples it trains on and "
            "any statistic it computes. Could a single validation sample have influenced "
            "any of them?")
    LESSON = (
        "A validation score means something only if the validation samples had no say in "
        "training. They leak in more ways than training on them directly: a split whose "
        "two parts overlap, a loader built from the whole dataset instead of its training "
        "part, or normalisation statistics (mean, std, min/max, a vocabulary) computed "
        "before the split, so that every validation sample shifts what the model sees. "
        "Nothing crashes and nothing looks wrong; the validation loss is simply better "
        "than the model deserves, and the gap appears only on truly new data. Check that "
        "the two parts of a split are disjoint, that every loader and every statistic on "
        "the training side is built from the training part only, and that changing a "
        "validation sample leaves the training run exactly as it was."
    )

    def __init__(self, target=None) -> None:
        super().__init__(target)
        self._whole: list[dict[str, str]] = [{}]  # training name -> the data it was split from

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._whole.append({})
        return True

    def leave_FunctionDef(self, original_node, updated_node):
        self._whole.pop()
        return updated_node

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not _is_split(node.value) or not node.value.args:
            return
        target, data = node.targets[0].target, node.value.args[0].value
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(data, cst.Name):
            for element in target.elements:
                if isinstance(element.value, cst.Name) and "train" in element.value.value.lower():
                    self._whole[-1][element.value.value] = data.value

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg):
        value = original_node.value
        if isinstance(value, cst.Name) and value.value in self._whole[-1]:
            whole = self._whole[-1][value.value]
            return self.offer(original_node, updated_node,
                              lambda: updated_node.with_changes(value=cst.Name(whole)),
                              f"{value.value} -> {whole}")
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        positional = [i for i, arg in enumerate(original_node.args) if is_positional(arg)]
        if not m.matches(original_node, _SUBSET) or len(positional) < 2:
            return updated_node
        index = positional[1]
        indices = original_node.args[index].value
        if not (isinstance(indices, cst.Subscript) and len(indices.slice) == 1
                and isinstance(indices.slice[0].slice, cst.Slice)):
            return updated_node

        def rewrite():
            args = list(updated_node.args)
            args[index] = args[index].with_changes(value=args[index].value.value)
            return updated_node.with_changes(args=args)

        return self.offer(indices, updated_node, rewrite, "the subset takes every index")

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript):
        if _training_index(original_node):
            return self.offer(original_node, updated_node, lambda: updated_node.value,
                              "whole set instead of the training part")
        return updated_node
