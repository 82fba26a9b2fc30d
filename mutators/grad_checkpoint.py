"""grad-checkpoint: activation checkpointing switched on by the wrong flag, or in its reentrant form."""

import libcst as cst
from libcst import matchers as m

from mutators._base import Mutator

_CHECKPOINT = m.OneOf(m.Name("checkpoint"), m.Attribute(attr=m.Name("checkpoint")))
_NOT_REENTRANT = m.Arg(keyword=m.Name("use_reentrant"), value=m.Name("False"))
_FLAG = m.OneOf(m.Name("use_checkpoint"), m.Attribute(attr=m.Name("use_checkpoint")))


class _Reentrant(cst.CSTTransformer):
    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if m.matches(original_node, _NOT_REENTRANT):
            return updated_node.with_changes(value=cst.Name("True"))
        return updated_node


def _reentrant(line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    """`line` with the reentrant checkpoint; a comment above it explaining the choice goes."""
    kept = [leading for leading in line.leading_lines
            if leading.comment is None or "reentrant" not in leading.comment.value.lower()]
    return line.visit(_Reentrant()).with_changes(leading_lines=kept)


class GradCheckpoint(Mutator):
    ID = "grad-checkpoint"
    TITLE = "Activation checkpointing misused"
    EFFECT = r"checkpoint|memory|activation|gradient"
    LOUD = False
    HINT = ("Checkpointing should change only what is kept in memory. Check when it is switched "
            "on, and whether every block still gets its gradient when nothing entering it "
            "requires grad.")
    LESSON = (
        "torch.utils.checkpoint trades memory for a second forward pass in backward, and it must "
        "change nothing else. It belongs in training only and only when asked for: a flag that "
        "is ignored keeps or drops activations the caller did not choose. The reentrant form "
        "(use_reentrant=True) is an autograd.Function that tracks only its tensor inputs: when "
        "none of them requires grad (a frozen stem, fine-tuning) its output requires no grad "
        "either, and the parameters inside get no gradient at all, with only a warning. Pass "
        "use_reentrant=False, the form PyTorch recommends, and compare gradients with the flag "
        "on and off."
    )

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if m.findall(original_node, m.Call(func=_CHECKPOINT, args=[m.ZeroOrMore(), _NOT_REENTRANT,
                                                                    m.ZeroOrMore()])):
            return self.offer(original_node, updated_node, lambda: _reentrant(updated_node),
                              "use_reentrant=False -> True")
        return updated_node

    def leave_If(self, original_node: cst.If, updated_node: cst.If):
        test = original_node.test
        if m.matches(test, m.BooleanOperation(operator=m.And())):
            for flag, other in ((test.left, updated_node.test.right), (test.right, updated_node.test.left)):
                if m.matches(flag, _FLAG):
                    updated_node = self.offer(original_node, updated_node,
                                              lambda other=other: updated_node.with_changes(test=other),  # noqa: B023 - called at once
                                              "checkpoint whatever use_checkpoint says")
        return super().leave_If(original_node, updated_node)
