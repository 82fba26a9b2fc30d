"""output-activation: a stack of layers ends with one activation too many.

`nn.Sequential(Linear, ReLU, Linear)` becomes `nn.Sequential(Linear, ReLU, Linear, ReLU)`:
the pattern finished by habit. The activation added is the one the stack already uses,
so the mutant reads like the rest of the file.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import is_positional, last_name
from mutators._base import Mutator

_SEQUENTIAL = m.Call(func=m.Name("Sequential") | m.Attribute(attr=m.Name("Sequential")))
_OUTPUT_LAYERS = frozenset({"Linear", "LazyLinear", "Bilinear", "Conv1d", "Conv2d", "Conv3d"})
_ACTIVATIONS = frozenset({"ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Tanh", "Sigmoid",
                          "Softplus", "Mish", "ReLU6", "PReLU"})


def _layer(arg: cst.Arg) -> str | None:
    """`Linear` for an argument `nn.Linear(...)`; None for anything but a plain call."""
    if not is_positional(arg) or not isinstance(arg.value, cst.Call):
        return None
    return last_name(arg.value.func)


def _strip(whitespace):
    """`whitespace` without the comment on its first line (the comment stays where it was)."""
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        bare = cst.TrailingWhitespace(newline=whitespace.first_line.newline)
        return whitespace.with_changes(first_line=bare)
    return whitespace


def _keep(own, separator):
    """The whitespace after the old last layer: its own comment, then the separator's indent."""
    has_comment = isinstance(own, cst.ParenthesizedWhitespace) and own.first_line.comment is not None
    if has_comment and isinstance(separator, cst.ParenthesizedWhitespace):
        return own.with_changes(empty_lines=(), indent=separator.indent, last_line=separator.last_line)
    return separator


def _append(call: cst.Call, value: cst.BaseExpression) -> list[cst.Arg]:
    """`call.args` plus `value` at the end, laid out like the arguments already there."""
    args = list(call.args)
    last = args[-1]
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        separator = _strip(args[-2].comma.whitespace_after)
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        separator = _strip(call.whitespace_before_args)  # one argument on its own line
    else:
        separator = cst.SimpleWhitespace(" ")
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument gets it
        own = last.comma.whitespace_after
        old = last.with_changes(comma=last.comma.with_changes(whitespace_after=_keep(own, separator)))
        new = cst.Arg(value=value, comma=last.comma.with_changes(whitespace_after=_strip(own)))
    else:
        own = last.whitespace_after_arg
        old = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""),
                                comma=cst.Comma(whitespace_after=_keep(own, separator)))
        new = cst.Arg(value=value, whitespace_after_arg=_strip(own))
    return [*args[:-1], old, new]


class OutputActivation(Mutator):
    ID = "output-activation"
    TITLE = "An activation after the output layer"
    EFFECT = r"logits|loss|output|softmax|activation|range"
    LOUD = False
    HINT = ("Ask what values each part of the model must be able to output, and whether "
            "its last layer lets it: can the result be negative, or larger than one?")
    LESSON = (
        "A stack of layers alternates Linear and activation, and it is easy to finish the "
        "pattern with one activation too many. An activation after the last layer limits "
        "what the model can say: a ReLU makes every output >= 0, so a regression can never "
        "predict a negative value, a latent code loses most of its space and an output "
        "stuck at 0 passes no gradient back; a Sigmoid or Tanh squeezes everything into a "
        "fixed range; logits squashed before CrossEntropyLoss train slowly. Nothing "
        "crashes and every shape is right: the model only learns worse, or plateaus. Spot "
        "it by reading the last layer of every Sequential and forward(): regression "
        "outputs, codes and logits come straight out of a Linear (or a convolution), and "
        "any squashing belongs to the loss or to the code that reads the result."
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not m.matches(original_node, _SEQUENTIAL) or not original_node.args:
            return updated_node
        if not all(map(is_positional, original_node.args)):
            return updated_node  # Sequential(*layers) or an OrderedDict: no readable last layer
        last = original_node.args[-1]
        if _layer(last) not in _OUTPUT_LAYERS:
            return updated_node
        used = [a.value for a in original_node.args if _layer(a) in _ACTIVATIONS]
        if used:
            activation = used[0].deep_clone()
        elif isinstance(last.value.func, cst.Attribute):  # nn.Linear -> nn.ReLU()
            activation = cst.Call(func=last.value.func.with_changes(attr=cst.Name("ReLU")))
        else:
            return updated_node  # a bare `Linear`: ReLU may not be imported
        name = last_name(activation.func)
        return self.offer(last.value, updated_node,
                          lambda: updated_node.with_changes(args=_append(updated_node, activation)),
                          f"{name} after the last {_layer(last)}")
