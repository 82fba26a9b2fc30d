"""loss-reduction: an epoch's mean loss that is not the mean over its samples."""

import libcst as cst
from libcst import matchers as m

from mutators._base import Mutator

_ITEM = m.Call(func=m.Attribute(attr=m.Name("item")))
_WEIGHTED = m.BinaryOperation(operator=m.Multiply(), left=_ITEM)
_COUNTER = m.Name(value=m.MatchIfTrue(lambda name: "sample" in name or name in ("seen", "count", "total")))


class LossReduction(Mutator):
    ID = "loss-reduction"
    TITLE = "Wrong reduction of the loss"
    EFFECT = r"loss|mean|reduction"
    LOUD = False
    HINT = ("A batch's loss is already a mean over its samples. Ask what the epoch's number should "
            "average over, and whether every batch weighs what its size says.")
    LESSON = (
        "Loss functions return the mean over the batch by default. To report an epoch's mean "
        "over samples, weight each batch's mean by its size and divide by the number of "
        "samples: adding the batch means and dividing by the samples (or by the batches) is "
        "wrong as soon as one batch is shorter, which the last one usually is. The error is "
        "silent and small, so curves from two runs with different batch sizes stop being "
        "comparable. reduction='sum' where the mean is meant scales the gradients with the "
        "batch size instead, which changes the effective learning rate."
    )

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign):
        if not isinstance(original_node.operator, cst.AddAssign):
            return updated_node
        if m.matches(original_node.value, _WEIGHTED):
            return self.offer(original_node, updated_node,
                              lambda: updated_node.with_changes(value=updated_node.value.left),
                              "total += loss.item() * n -> total += loss.item()")
        if m.matches(original_node.target, _COUNTER) and m.matches(original_node.value, m.Name()):
            return self.offer(original_node, updated_node,
                              lambda: updated_node.with_changes(value=cst.Integer("1")),
                              "samples += n -> samples += 1 (counts batches)")
        return updated_node
