"""zero-grad: the call that clears old gradients is gone, so they pile up across steps."""

import libcst as cst
from libcst import matchers as m

from mutators._base import Mutator

_ZERO_GRAD_CALL = m.SimpleStatementLine(
    body=[m.Expr(value=m.Call(func=m.Attribute(attr=m.Name("zero_grad"))))]
)


class ZeroGrad(Mutator):
    ID = "zero-grad"
    TITLE = "Missing zero_grad"
    EFFECT = r"grad|left over|step|weights"
    LOUD = False
    HINT = ("PyTorch adds every backward() into .grad. Ask what clears it between two "
            "optimizer steps, and whether a model can arrive with gradients already there.")
    LESSON = (
        "backward() accumulates into .grad; it never overwrites. Without "
        "optimizer.zero_grad() (or model.zero_grad()) before each backward, every step "
        "applies the sum of all gradients so far, and the first step also applies whatever "
        "a previous caller left behind. Nothing crashes: the loss just behaves strangely, "
        "often diverging. Look for exactly one zero_grad per optimizer step, before backward."
    )

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if m.matches(original_node, _ZERO_GRAD_CALL):
            return self.offer(original_node, updated_node, cst.RemoveFromParent, "delete zero_grad()")
        return updated_node
