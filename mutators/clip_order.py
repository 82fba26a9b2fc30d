"""clip-order: gradient clipping runs at the wrong moment, or AMP's unscale_ is gone.

Clipping only helps between backward() and the optimizer step. Moved after the step it
clips gradients that have already been applied; moved before backward it clips the old
ones. With a GradScaler, deleting `scaler.unscale_(optimizer)` makes the clip measure
gradients that are still multiplied by the loss scale.
"""

from collections.abc import Sequence

import libcst as cst
from libcst import matchers as m

from mutators._base import Mutator

_CLIP_CALL = m.Call(func=m.Name("clip_grad_norm_") | m.Name("clip_grad_value_")
                    | m.Attribute(attr=m.Name("clip_grad_norm_") | m.Name("clip_grad_value_")))
_STEP_CALL = m.Call(func=m.Attribute(attr=m.Name("step")))
_BACKWARD_CALL = m.Call(func=m.Attribute(attr=m.Name("backward")))
_UNSCALE_LINE = m.SimpleStatementLine(
    body=[m.Expr(value=m.Call(func=m.Attribute(attr=m.Name("unscale_"))))]
)


def _calls(statement: cst.CSTNode, call: m.Call) -> bool:
    return bool(m.findall(statement, call))


def _moved(body: Sequence[cst.BaseStatement], source: int, before: int) -> list[cst.BaseStatement]:
    """`body` with statement `source` taken out and put back just before index `before`."""
    statements = list(body)
    moving = statements[source]
    statements.insert(before, moving)
    del statements[source if source < before else source + 1]
    return statements


class ClipOrder(Mutator):
    ID = "clip-order"
    TITLE = "Gradient clipping in the wrong place"
    EFFECT = r"clip|norm"
    LOUD = False
    HINT = ("Clipping changes the gradients, so it only matters if something reads them "
            "afterwards. Follow the gradients from backward() to the update: when are they "
            "clipped, and in which units (with mixed precision, are they still scaled)?")
    LESSON = (
        "clip_grad_norm_ and clip_grad_value_ rewrite the .grad tensors in place; they do "
        "nothing to weights that were already updated. The only useful moment is after "
        "backward() has produced the gradients and before optimizer.step() consumes them. "
        "Clip after the step and the update it was meant to bound has already happened "
        "(the next zero_grad then throws the clipped values away); clip before backward "
        "and it bounds the previous, stale gradients. With torch.amp's GradScaler the "
        "gradients are multiplied by the loss scale until scaler.unscale_(optimizer) runs, "
        "so skipping it makes max_norm compare against numbers thousands of times too big "
        "and clipping fires on every step. Nothing raises in any of these cases: training "
        "just loses its stability guard, so read the order backward -> (unscale_) -> clip "
        "-> step line by line."
    )

    def _reorder(self, original: Sequence[cst.BaseStatement], updated_node, replace):
        """Offer one site per clipping statement in a block whose body is `original`."""
        result = updated_node
        for index, statement in enumerate(original):
            if not (isinstance(statement, cst.SimpleStatementLine)
                    and _calls(statement, _CLIP_CALL)):
                continue
            later = [j for j in range(index + 1, len(original)) if _calls(original[j], _STEP_CALL)]
            earlier = [j for j in range(index) if _calls(original[j], _BACKWARD_CALL)]
            if later:
                before, note = later[0] + 1, "clip moved after the optimizer step"
            elif earlier:
                before, note = earlier[-1], "clip moved before backward()"
            else:
                continue

            def rewrite(source=index, before=before):
                return replace(updated_node, _moved(updated_node.body, source, before))

            result = self.offer(statement, result, rewrite, note)
        return result

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        reordered = self._reorder(original_node.body, updated_node,
                                  lambda block, body: block.with_changes(body=body))
        return super().leave_IndentedBlock(original_node, reordered)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return self._reorder(original_node.body, updated_node,
                             lambda module, body: module.with_changes(body=body))

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if m.matches(original_node, _UNSCALE_LINE):
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              "delete scaler.unscale_()")
        return updated_node
