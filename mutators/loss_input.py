"""loss-input: the loss receives probabilities where it expects raw logits.

`criterion(logits, y)` becomes `criterion(logits.softmax(dim=-1), y)`, and a
binary-cross-entropy-with-logits call gets `logits.sigmoid()`: the classic "softmax before
CrossEntropyLoss" and "sigmoid before BCEWithLogitsLoss".
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import TIGHT_EQUAL, as_receiver, is_loss_call, last_name
from mutators._base import Mutator


def _softmax(x: cst.BaseExpression) -> cst.Call:
    minus_one = cst.UnaryOperation(operator=cst.Minus(), expression=cst.Integer("1"))
    return cst.Call(func=cst.Attribute(value=as_receiver(x), attr=cst.Name("softmax")),
                    args=[cst.Arg(keyword=cst.Name("dim"), value=minus_one, equal=TIGHT_EQUAL)])


def _sigmoid(x: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=as_receiver(x), attr=cst.Name("sigmoid")))


class LossInput(Mutator):
    ID = "loss-input"
    TITLE = "Probabilities fed to a loss that expects logits"
    EFFECT = r"loss|logits|cross-entropy|probabilit|stall|predict"
    LOUD = False
    HINT = ("Read the documentation of the loss you call: what does it do to its first "
            "argument before comparing it with the target, and has that already been done?")
    LESSON = (
        "nn.CrossEntropyLoss and F.cross_entropy apply log_softmax themselves, and "
        "BCEWithLogitsLoss applies a (numerically stable) sigmoid: both want raw logits. "
        "Feed them softmax or sigmoid outputs and the activation is applied twice. Every "
        "probability is squeezed into [0, 1], so the loss can never get close to zero, the "
        "gradients shrink as the model grows confident, and training stalls at a worse "
        "accuracy instead of crashing; the shapes and dtypes are all still right, which is "
        "why it survives code review. Spot it by following the model's output to the loss "
        "call: any softmax, sigmoid or probability-named variable on that path is suspect. "
        "Apply softmax only where you need probabilities, for reporting or sampling."
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = last_name(original_node.func)
        if name is None or not is_loss_call(name) or not original_node.args:
            return updated_node
        if not m.matches(original_node.args[0], m.Arg(keyword=None, star="")):
            return updated_node
        binary = "bce" in name.lower() or "with_logits" in name.lower()
        if binary:
            activate, note = _sigmoid, "x -> x.sigmoid()"
        else:
            activate, note = _softmax, "x -> x.softmax(dim=-1)"

        def rewrite() -> cst.Call:
            first = updated_node.args[0]
            new_first = first.with_changes(value=activate(first.value))
            return updated_node.with_changes(args=[new_first, *updated_node.args[1:]])

        return self.offer(original_node, updated_node, rewrite, f"{name}(x, ...): {note}")
