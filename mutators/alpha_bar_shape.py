"""alpha-bar-shape: the diffusion schedule's alpha_bar meets x0 with the wrong shape or step.

Three rewrites, each a slip made with the cumulative product of the alphas:
- `alpha_bar[t].view(-1, 1, 1, 1)` (or `[:, None, None, None]`, or a separate
  `a = a.reshape(...)` line) loses its reshape, so a (B,) vector meets (B, C, H, W);
- `alpha_bar[t]` becomes `alpha_bar[t - 1]`, the paper's 1-based steps read 0-based;
- `torch.cumprod(alphas, dim=0)` becomes the product up to the step before (alpha_bar_prev).
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import last_name, method
from mutators._base import Mutator

_RESHAPE = m.Call(func=method("view", "reshape"))
_CUMPROD = m.Call(func=m.Attribute(attr=m.Name("cumprod")))


def _root_name(node: cst.BaseExpression) -> str | None:
    """`alpha_bar` for `alpha_bar`, `schedule.alpha_bar`, `alpha_bar.to(x.device)`, `alpha_bar[t]`."""
    while True:
        if isinstance(node, cst.Call):
            node = node.func.value if isinstance(node.func, cst.Attribute) else node.func
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute):
            return node.attr.value
        elif isinstance(node, cst.Name):
            return node.value
        else:
            return None


def _is_alpha_bar(name: str | None) -> bool:
    """A name for the cumulative product: alpha_bar, alphas_cumprod, alpha_hat, abar_t, ..."""
    if name is None:
        return False
    name = name.lower()
    return ("alpha" in name and any(w in name for w in ("bar", "cumprod", "hat"))) or name.startswith("abar")


def _step_index(node: cst.Subscript) -> cst.Name | None:
    """The `t` of `alpha_bar[t]`: a single plain-name index."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    return value if isinstance(value, cst.Name) else None


def _is_step_lookup(node: cst.BaseExpression) -> bool:
    """`alpha_bar[t]` (the schedule indexed by the per-sample steps), on any receiver chain."""
    return (isinstance(node, cst.Subscript) and _step_index(node) is not None
            and _is_alpha_bar(_root_name(node.value)))


def _is_broadcast_index(node: cst.Subscript) -> bool:
    """`[:, None, None, None]`: slices and Nones only, at least one None."""
    kinds = []
    for element in node.slice:
        inner = element.slice
        if isinstance(inner, cst.Slice) and inner.lower is None and inner.upper is None and inner.step is None:
            kinds.append("slice")
        elif isinstance(inner, cst.Index) and m.matches(inner.value, m.Name("None")):
            kinds.append("none")
        else:
            return False
    return "none" in kinds


class AlphaBarShape(Mutator):
    ID = "alpha-bar-shape"
    TITLE = "alpha_bar with the wrong shape or step"
    EFFECT = r"alpha_bar|noise|schedule|shape|broadcast|sqrt"
    LOUD = False
    HINT = ("Each sample in the batch has its own diffusion step. Write down the shape of the "
            "schedule's coefficient for that step and the shape of x0, and check which "
            "dimension of x0 each coefficient ends up scaling.")
    LESSON = (
        "alpha_bar[t] is the product of every alpha up to and including step t, and with one "
        "step per sample, alpha_bar[t] is a (B,) vector. Broadcasting lines shapes up from the "
        "right, so that vector meets the last dimension of x0: with (B, C, H, W) images it "
        "scales columns instead of samples. When W differs from B, PyTorch raises a size "
        "error; when W happens to equal B (small test images) nothing fails and the model "
        "trains on nonsense. Reshape it to (B, 1, 1, 1), or (B, 1) for vectors, before it "
        "meets x0. The other classic slips are off by one step: the paper counts steps from 1 "
        "while tensors count from 0, so alpha_bar[t - 1] reads the previous step (and t = 0 "
        "wraps to the last one), and a cumulative product started from 1 gives alpha_bar_prev. "
        "Test q_sample against its closed form for one sample at t = 0, where "
        "alpha_bar[0] = 1 - beta[0]."
    )

    def __init__(self, target=None) -> None:
        super().__init__(target)
        self._whole_statements: set[int] = set()

    # `a = a.view(-1, 1, 1, 1)` on its own line: the line goes (`a = a` would be a giveaway).
    @staticmethod
    def _self_reshape(line: cst.SimpleStatementLine) -> cst.BaseExpression | None:
        if len(line.body) != 1 or not isinstance(line.body[0], cst.Assign) or len(line.body[0].targets) != 1:
            return None
        assign = line.body[0]
        target = assign.targets[0].target
        if not isinstance(target, cst.Name) or not _is_alpha_bar(target.value):
            return None
        value = assign.value
        if m.matches(value, _RESHAPE) and m.matches(value.func.value, m.Name(target.value)):
            return value
        if (isinstance(value, cst.Subscript) and m.matches(value.value, m.Name(target.value))
                and _is_broadcast_index(value)):
            return value
        return None

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        value = self._self_reshape(node)
        if value is not None:
            self._whole_statements.add(id(value))
        return True

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        value = self._self_reshape(original_node)
        if value is None:
            return updated_node
        anchor = value.func.attr if isinstance(value, cst.Call) else value.slice[0]
        return self.offer(anchor, updated_node, cst.RemoveFromParent, "delete the reshape of alpha_bar[t]")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) in self._whole_statements:
            return updated_node
        if m.matches(original_node, _RESHAPE) and _is_step_lookup(original_node.func.value):
            return self.offer(original_node.func.attr, updated_node,
                              lambda: updated_node.func.value, "alpha_bar[t].view(...) -> alpha_bar[t]")
        if m.matches(original_node, _CUMPROD):
            return self._cumprod(original_node, updated_node)
        return updated_node

    def _cumprod(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        function = m.matches(func.value, m.Name("torch"))
        if function:
            if not original.args or original.args[0].keyword is not None or original.args[0].star:
                return updated
            factors = updated.args[0].value
        else:
            factors = updated.func.value
        if not isinstance(factors, (cst.Name, cst.Attribute)) or "alpha" not in last_name(factors).lower():
            return updated  # only the alphas (read twice by the rewrite, so a plain name)

        def rewrite() -> cst.Call:
            ones = cst.Call(func=cst.Attribute(value=factors, attr=cst.Name("new_ones")),
                            args=[cst.Arg(cst.Integer("1"))])
            shifted = cst.Subscript(value=updated.with_changes(lpar=[], rpar=[]), slice=[cst.SubscriptElement(
                cst.Slice(lower=None, upper=cst.UnaryOperation(cst.Minus(), cst.Integer("1"))))])
            parts = cst.List([cst.Element(ones, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                              cst.Element(shifted)])
            return cst.Call(func=cst.Attribute(value=cst.Name("torch"), attr=cst.Name("cat")),
                            args=[cst.Arg(parts)], lpar=updated.lpar, rpar=updated.rpar)

        return self.offer(func.attr, updated, rewrite, "cumprod -> product up to the previous step")

    def leave_Subscript(self, original_node: cst.Subscript,
                        updated_node: cst.Subscript) -> cst.BaseExpression:
        if id(original_node) in self._whole_statements:
            return updated_node
        if _is_broadcast_index(original_node) and _is_step_lookup(original_node.value):
            return self.offer(original_node.slice[0], updated_node, lambda: updated_node.value,
                              "alpha_bar[t][:, None, ...] -> alpha_bar[t]")
        index = _step_index(original_node) if _is_step_lookup(original_node) else None
        if index is None:
            return updated_node

        def rewrite() -> cst.Subscript:
            shifted = cst.BinaryOperation(left=updated_node.slice[0].slice.value, operator=cst.Subtract(),
                                          right=cst.Integer("1"))
            element = updated_node.slice[0]
            index_node = element.slice.with_changes(value=shifted)
            return updated_node.with_changes(slice=[element.with_changes(slice=index_node)])

        return self.offer(index, updated_node, rewrite, f"alpha_bar[{index.value}] -> [{index.value} - 1]")
