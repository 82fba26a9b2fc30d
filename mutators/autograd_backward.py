"""autograd-backward: a hand-written autograd Function computes or returns the wrong gradient.

Sites, all inside a class deriving from `Function` (`torch.autograd.Function`):
- in `backward`, `torch.where(mask, a, b)` with its branches swapped: the mask is inverted;
- in `backward`, a comparison `>` / `>=` / `<` / `<=` made strict or loose: the gradient
  at the kink (an input exactly on the boundary) takes the other side's value;
- in `backward`, a returned tuple of gradients loses its last entry: one gradient fewer than
  `forward` has inputs;
- in `forward`, the `ctx.save_for_backward(...)` line is gone: backward finds nothing saved.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import torch_attr
from mutators._base import Mutator

_FUNCTION_BASE = m.Arg(value=m.Name("Function") | m.Attribute(attr=m.Name("Function")))
_WHERE = m.Call(func=torch_attr("where") | m.Attribute(attr=m.Name("where")))
_SAVE_LINE = m.SimpleStatementLine(
    body=[m.Expr(value=m.Call(func=m.Attribute(attr=m.Name("save_for_backward"))))])
_TOGGLED = {cst.GreaterThan: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.GreaterThan,
            cst.LessThan: cst.LessThanEqual, cst.LessThanEqual: cst.LessThan}


class AutogradBackward(Mutator):
    ID = "autograd-backward"
    TITLE = "Wrong custom backward"
    EFFECT = r"gradient|backward|gradcheck|unpack|saved"
    LOUD = False
    HINT = ("A custom autograd Function is trusted blindly: autograd uses whatever backward "
            "returns. Work out the derivative by hand for an input on each side of every "
            "boundary, and on the boundary itself, and count what backward hands back.")
    LESSON = (
        "A torch.autograd.Function replaces autograd's own bookkeeping for one operation, so "
        "every mistake in it is silently believed. backward must return one gradient per "
        "input of forward, in order (None for non-tensor inputs such as a slope), or autograd "
        "raises 'returned an incorrect number of gradients'. Tensors backward needs must be "
        "stored with ctx.save_for_backward in forward and read back from ctx.saved_tensors; "
        "forget it and backward finds nothing. Worst are formula slips: an inverted mask or a "
        "> where >= belongs gives gradients that are wrong only on some elements (or only at "
        "exactly 0), and training still runs. Test every custom Function with "
        "torch.autograd.gradcheck in float64 and against the built-in operation, with inputs "
        "exactly on the boundaries."
    )

    def __init__(self, target=None) -> None:
        super().__init__(target)
        self._in_function_class = [False]
        self._method: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._in_function_class.append(any(m.matches(base, _FUNCTION_BASE) for base in node.bases))
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self._in_function_class.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._method.append(node.name.value)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
        self._method.pop()
        return updated_node

    def _inside(self, method: str) -> bool:
        """True directly in `method` of an autograd Function (not in a function nested in it)."""
        return self._in_function_class[-1] and self._method == [method]

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        if not (self._inside("backward") and m.matches(original_node, _WHERE)):
            return updated_node
        args = updated_node.args
        if len(args) != 3 or any(arg.keyword is not None or arg.star for arg in args):
            return updated_node
        swapped = [args[0], args[2].with_changes(comma=args[1].comma),
                   args[1].with_changes(comma=args[2].comma)]
        return self.offer(original_node, updated_node, lambda: updated_node.with_changes(args=swapped),
                          "swap the branches of torch.where: the gradient mask is inverted")

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison):
        if not self._inside("backward") or len(updated_node.comparisons) != 1:
            return updated_node
        target = updated_node.comparisons[0]
        toggled = _TOGGLED.get(type(target.operator))
        if toggled is None:
            return updated_node
        operator = toggled(whitespace_before=target.operator.whitespace_before,
                           whitespace_after=target.operator.whitespace_after)
        return self.offer(original_node, updated_node,
                          lambda: updated_node.with_changes(comparisons=[target.with_changes(operator=operator)]),
                          "a strict comparison made loose or the reverse: the gradient at the boundary")

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return):
        value = updated_node.value
        if not (self._inside("backward") and isinstance(value, cst.Tuple) and len(value.elements) >= 2):
            return updated_node
        kept = list(value.elements[:-1])
        if len(kept) == 1 and not value.lpar:
            fewer = kept[0].value
        else:
            kept[-1] = kept[-1].with_changes(comma=value.elements[-1].comma)
            fewer = value.with_changes(elements=kept)
        return self.offer(original_node, updated_node, lambda: updated_node.with_changes(value=fewer),
                          "return one gradient fewer than forward has inputs")

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if self._inside("forward") and m.matches(original_node, _SAVE_LINE):
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              "delete ctx.save_for_backward(...)")
        return updated_node
