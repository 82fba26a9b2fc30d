"""eval-mode: a model.eval() or model.train() call is gone, so layers run in the wrong mode."""

import libcst as cst
from libcst import matchers as m

from mutators._args import method
from mutators._base import Mutator

_MODE_CALL = m.SimpleStatementLine(body=[m.Expr(value=m.Call(func=method("eval", "train")))])


class EvalMode(Mutator):
    ID = "eval-mode"
    TITLE = "Wrong train/eval mode"
    EFFECT = r"mode|eval|train|dropout|batchnorm|noisy|still changes"
    LOUD = False
    HINT = ("Some layers behave differently while training and while evaluating. Ask which "
            "mode the model is in at each point, and who is responsible for setting it.")
    LESSON = (
        "Dropout and BatchNorm read model.training: in train mode Dropout zeroes random "
        "activations and BatchNorm normalises with the batch statistics while updating its "
        "running averages; in eval mode Dropout does nothing and BatchNorm uses the running "
        "averages. The flag is sticky and shared: whatever mode the previous caller left is "
        "the mode you get. Forget model.eval() before validation and the scores are noisy "
        "and the running statistics drift on validation data; forget model.train() at the "
        "start of an epoch and a model handed over in eval mode trains with no Dropout. "
        "Nothing crashes. Every function that runs a model should set the mode it needs."
    )

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if m.matches(original_node, _MODE_CALL):
            mode = original_node.body[0].value.func.attr.value
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              f"delete .{mode}()")
        return updated_node
