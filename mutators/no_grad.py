"""no-grad: evaluation code runs with autograd switched on."""

import libcst as cst
from libcst import matchers as m

from mutators._args import torch_attr
from mutators._base import Mutator

_NO_GRAD = torch_attr("no_grad", "inference_mode")
_NO_GRAD_WITH = m.With(items=[m.WithItem(item=m.Call(func=_NO_GRAD, args=[]), asname=None)],
                       asynchronous=None)
_NO_GRAD_DECORATOR = m.Decorator(decorator=m.Call(func=_NO_GRAD, args=[]) | _NO_GRAD)


def _unwrapped(node: cst.With) -> cst.FlattenSentinel:
    """The statements of the with-block, spliced where the with statement was."""
    if isinstance(node.body, cst.SimpleStatementSuite):  # with torch.no_grad(): y = f(x)
        body = [cst.SimpleStatementLine(body=node.body.body)]
    else:
        body = list(node.body.body)
    body[0] = body[0].with_changes(leading_lines=[*node.leading_lines, *body[0].leading_lines])
    return cst.FlattenSentinel(body)


class NoGrad(Mutator):
    ID = "no-grad"
    TITLE = "Evaluation with autograd on"
    EFFECT = r"gradient|grad|autograd|records|memory"
    LOUD = False
    HINT = ("Evaluation only needs the outputs. Ask what autograd records while the model runs, "
            "and what that costs when nobody will ever call backward().")
    LESSON = (
        "Outside torch.no_grad() (or torch.inference_mode()) every operation on a tensor "
        "that requires grad is recorded in the autograd graph, and the graph keeps every "
        "intermediate activation alive until the output is freed. Evaluation code that "
        "forgets it still returns the right numbers, but uses far more memory, runs "
        "slower, and hands back outputs with requires_grad=True and a grad_fn, so a "
        "caller that keeps them (a list of losses, predictions stored for a metric) keeps "
        "whole graphs alive and can run out of memory after many batches. Look for a "
        "no_grad around validation, inference and metric code, and for .requires_grad on "
        "what such functions return."
    )

    def leave_With(self, original_node: cst.With, updated_node: cst.With):
        if m.matches(original_node, _NO_GRAD_WITH):
            return self.offer(original_node, updated_node, lambda: _unwrapped(updated_node),
                              "unwrap the no_grad block")
        return updated_node

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator):
        if m.matches(original_node, _NO_GRAD_DECORATOR):
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              "drop the no_grad decorator")
        return updated_node
