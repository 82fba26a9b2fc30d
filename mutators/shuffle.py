"""shuffle: the training order is not shuffled, or is shuffled the same way every epoch.

Two rewrites. `shuffle=True` becomes `shuffle=False`: every epoch visits the samples in
the dataset's order. A seed that changes with the epoch (`seed=base + epoch`, also as
`generator.manual_seed(base + epoch)`) loses its epoch term: the loader is reshuffled
every epoch, but into the very same order.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import last_name
from mutators._base import Mutator

_SHUFFLED = m.Arg(keyword=m.Name("shuffle"), value=m.Name("True"))
_SEEDING_CALL = m.Call(func=m.Attribute(attr=m.Name("manual_seed")) | m.Name("manual_seed"))


def _epoch_term(expression: cst.BaseExpression) -> cst.BaseExpression | None:
    """For `base + epoch` (or `epoch + base`): `base`; None for anything else."""
    if not (isinstance(expression, cst.BinaryOperation) and isinstance(expression.operator, cst.Add)):
        return None
    for term, other in ((expression.right, expression.left), (expression.left, expression.right)):
        name = last_name(term)
        if name is not None and "epoch" in name.lower():
            return other
    return None


class Shuffle(Mutator):
    ID = "shuffle"
    TITLE = "Training data not reshuffled"
    EFFECT = r"shuffl|order"
    LOUD = False
    HINT = ("Print the order in which training samples arrive in two consecutive epochs. "
            "Is it random, and is it a different random order each time?")
    LESSON = (
        "Stochastic gradient descent assumes each batch is a fresh random draw. A loader "
        "that is not shuffled feeds the samples in the dataset's order, which is often "
        "sorted by class, source or time: the batches are then far from representative, "
        "the model chases whatever the last batches held, and the loss curve shows a "
        "repeating saw-tooth. Shuffling into the same order every epoch is subtler: "
        "re-creating a loader (or re-seeding its generator) with the same seed at each "
        "epoch, or resetting a sampler, replays one fixed permutation, so the batches are "
        "identical from epoch to epoch and the same samples always share a batch. "
        "Reproducibility wants the order to depend on the seed and the epoch together. "
        "Nothing crashes; log the first few sample indices of each epoch to see it."
    )

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg):
        if m.matches(original_node, _SHUFFLED):
            return self.offer(original_node, updated_node,
                              lambda: updated_node.with_changes(value=cst.Name("False")),
                              "shuffle=True -> shuffle=False")
        if m.matches(original_node, m.Arg(keyword=m.Name("seed"))):
            return self._drop_epoch(original_node, updated_node)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        if m.matches(original_node, _SEEDING_CALL) and len(original_node.args) == 1:
            arg = self._drop_epoch(original_node.args[0], updated_node.args[0])
            if arg is not updated_node.args[0]:
                return updated_node.with_changes(args=[arg])
        return updated_node

    def _drop_epoch(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        base = _epoch_term(original.value)
        if base is None:
            return updated
        base = base.with_changes(lpar=[], rpar=[]) if not base.lpar else base
        return self.offer(original.value, updated, lambda: updated.with_changes(value=base),
                          "the epoch left out of the shuffle seed")
