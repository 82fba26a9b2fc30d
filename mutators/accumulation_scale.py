"""accumulation-scale: gradient accumulation that sums instead of averaging, or steps off by one.

`loss / accum_steps` loses its division (each micro-batch's gradient counts in full), and
`(i + 1) % accum_steps` loses its `+ 1` (the first optimizer step comes one batch early and
the last group of batches is never applied the same way).
"""

import libcst as cst
from libcst import matchers as m

from mutators._base import Mutator

# Identifier fragments that name a number of micro-batches: accum_steps, grad_accumulation,
# num_steps, group_size.
_COUNT_WORDS = ("accum", "steps", "group")

_NEXT_INDEX = m.BinaryOperation(
    left=m.BinaryOperation(left=m.Name() | m.Attribute(), operator=m.Add(), right=m.Integer("1"),
                           lpar=[m.AtLeastN(n=1)]),
    operator=m.Modulo(),
)


def names_a_count(node: cst.CSTNode) -> bool:
    """Whether an identifier in `node` (a name or an attribute) looks like an accumulation count."""
    return any(word in found.value.lower() for found in m.findall(node, m.Name()) for word in _COUNT_WORDS)


def _keep_parentheses(outer: cst.BaseExpression, inner: cst.BaseExpression) -> cst.BaseExpression:
    """`inner` standing where `outer` stood, wearing `outer`'s parentheses where it needs them.

    A name, attribute, call or subscript binds tighter than anything around it, and a
    leftover `(loss).backward()` would point straight at the deletion."""
    if isinstance(inner, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        return inner
    return inner.with_changes(lpar=[*outer.lpar, *inner.lpar], rpar=[*inner.rpar, *outer.rpar])


class AccumulationScale(Mutator):
    ID = "accumulation-scale"
    TITLE = "Gradient accumulation scale or schedule"
    EFFECT = r"accumulat|weights|loss"
    LOUD = False
    HINT = ("Several small batches are meant to add up to one big one. Compare the gradient "
            "an accumulated step applies with the gradient of the big batch, and count which "
            "batches each optimizer step covers.")
    LESSON = (
        "Gradient accumulation calls backward() on several micro-batches and steps once; "
        "because backward() adds into .grad, the result is the SUM of the micro-batch "
        "gradients. Each micro-batch loss is already a mean, so to match one large batch it "
        "must be divided by the number of micro-batches; forget the division and the "
        "effective learning rate grows with the accumulation count, which looks like "
        "instability rather than a bug. The schedule is just as easy to get wrong: with "
        "`enumerate` counting from 0, `(i + 1) % accum_steps == 0` steps after every full "
        "group, while `i % accum_steps == 0` steps after the very first batch and then one "
        "batch early every time. Check both the divisor on the loss and the condition that "
        "triggers optimizer.step(), and what happens to a last, incomplete group."
    )

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation,
                              updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        # Sites sit on the operator, so `a / accum / steps` has two distinct ones.
        if isinstance(original_node.operator, cst.Divide) and names_a_count(original_node.right):
            return self.offer(original_node.operator, updated_node,
                              lambda: _keep_parentheses(updated_node, updated_node.left),
                              "x / accum_steps -> x")
        if m.matches(original_node, _NEXT_INDEX):
            # `i` is a name or an attribute: it needs no parentheses of its own.
            def rewrite() -> cst.BinaryOperation:
                return updated_node.with_changes(left=updated_node.left.left)

            return self.offer(original_node.operator, updated_node, rewrite,
                              "(i + 1) % n -> i % n")
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        # `loss /= accum_steps` on its own line: the whole division goes.
        statement = original_node.body[0] if len(original_node.body) == 1 else None
        if (isinstance(statement, cst.AugAssign)
                and isinstance(statement.operator, cst.DivideAssign)
                and names_a_count(statement.value)):
            return self.offer(statement.operator, updated_node, cst.RemoveFromParent,
                              "delete x /= accum_steps")
        return updated_node
