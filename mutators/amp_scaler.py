"""amp-scaler: a GradScaler used out of its order, half used, or switched on where it must not be."""

import libcst as cst
from libcst import matchers as m

from mutators._args import method
from mutators._base import Mutator


def _scaler_call(*names: str) -> m.Call:
    return m.Call(func=method(*names))


# `scaler.update()`, `scaler.step(optimizer)`, `scaler.scale(loss).backward()` as statements.
_UPDATE = m.SimpleStatementLine(body=[m.Expr(value=_scaler_call("update"))])
_STEP = m.SimpleStatementLine(body=[m.Expr(value=m.Call(func=method("step"), args=[m.Arg()]))])
_SCALED_BACKWARD = m.SimpleStatementLine(body=[m.Expr(value=m.Call(
    func=m.Attribute(value=m.Call(func=method("scale"), args=[m.Arg()]), attr=m.Name("backward"))))])


def _without_comment(line: cst.SimpleStatementLine, expr: cst.BaseExpression) -> cst.SimpleStatementLine:
    """`line` holding `expr`; a trailing comment described the right call, so it goes."""
    return line.with_changes(body=[cst.Expr(expr)],
                             trailing_whitespace=cst.TrailingWhitespace(newline=line.trailing_whitespace.newline))


class AmpScaler(Mutator):
    ID = "amp-scaler"
    TITLE = "GradScaler misused"
    EFFECT = r"scale|overflow|float16|skipped"
    LOUD = False
    HINT = ("With float16 the loss is multiplied by a large factor before backward. Follow that "
            "factor: who applies it, who removes it before the weights change, and who adjusts it.")
    LESSON = (
        "A GradScaler has three jobs in a float16 step, in this order: scaler.scale(loss).backward() "
        "multiplies the loss so small gradients survive float16; scaler.step(optimizer) divides the "
        "gradients back (unscale_) and skips the step if any is inf or NaN; scaler.update() lowers "
        "the factor after an overflow and raises it after a run of good steps. Call "
        "optimizer.step() yourself and the weights move by gradients 65536 times too large, and "
        "overflowed steps are not skipped. Forget update() and the factor never adapts: after one "
        "overflow every later step is skipped too. Backward on the unscaled loss makes the "
        "scaler divide gradients that were never multiplied. bfloat16 has float32's range: a "
        "scaler enabled for it only adds work and skipped steps. Read or clip gradients only "
        "after scaler.unscale_(optimizer)."
    )

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if m.matches(original_node, _UPDATE):
            return self.offer(original_node, updated_node, cst.RemoveFromParent, "delete scaler.update()")
        if m.matches(original_node, _STEP):
            call = original_node.body[0].value
            optimizer = call.args[0].value
            receiver = call.func.value
            if m.matches(receiver, m.Name()) and "scaler" in receiver.value.lower():
                stepped = cst.Call(func=cst.Attribute(value=optimizer, attr=cst.Name("step")))
                return self.offer(original_node, updated_node, lambda: _without_comment(updated_node, stepped),
                                  "scaler.step(optimizer) -> optimizer.step()")
        if m.matches(original_node, _SCALED_BACKWARD):
            scale_call = original_node.body[0].value.func.value
            loss = scale_call.args[0].value
            backward = cst.Call(func=cst.Attribute(value=loss, attr=cst.Name("backward")))
            return self.offer(original_node, updated_node, lambda: _without_comment(updated_node, backward),
                              "scaler.scale(loss).backward() -> loss.backward()")
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg):
        # GradScaler(..., enabled=<a test for float16>) -> enabled=True: on for bfloat16 too.
        if (m.matches(original_node, m.Arg(keyword=m.Name("enabled")))
                and not m.matches(original_node.value, m.Name("True"))):
            return self.offer(original_node, updated_node,
                              lambda: updated_node.with_changes(value=cst.Name("True")),
                              "GradScaler(enabled=...) -> enabled=True")
        return updated_node
