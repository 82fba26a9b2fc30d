"""early-stopping: the stopping rule or the best-model bookkeeping is wrong.

Three mistakes. A comparison with the best value so far points the wrong way (`<` and `>`
swapped, a loss treated like an accuracy). The count of epochs without improvement is not
set back to zero when the metric improves (`self.counter = 0` inside the improvement branch
is deleted), so training stops `patience` bad epochs after the start instead of after the
last improvement. The best weights are saved but never restored (a `load_checkpoint(...)`
statement, or `model.load_state_dict(best...)`, is deleted), so the caller gets the last
epoch's model under the best epoch's name.
"""

import re

import libcst as cst
from libcst import matchers as m

from mutators._args import last_name
from mutators._base import Mutator

_FLIPPED = {cst.LessThan: cst.GreaterThan, cst.GreaterThan: cst.LessThan,
            cst.LessThanEqual: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.LessThanEqual}
# Names a patience counter goes by: counter, wait, bad_epochs, epochs_without_improvement, ...
_COUNTER = re.compile(r"counter|wait|bad|stale|without|since", re.IGNORECASE)
_RESTORE = m.SimpleStatementLine(body=[m.Expr(value=m.Call(
    func=m.Name("load_checkpoint") | m.Attribute(attr=m.Name("load_checkpoint")
                                                 | m.Name("load_state_dict"))))])


def _mentions_best(node: cst.CSTNode) -> bool:
    return any("best" in name.value.lower() for name in m.findall(node, m.Name()))


def _is_counter_reset(line: cst.SimpleStatementLine) -> bool:
    if len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
        return False
    assign = line.body[0]
    name = last_name(assign.targets[0].target) if len(assign.targets) == 1 else None
    return (name is not None and bool(_COUNTER.search(name))
            and m.matches(assign.value, m.Integer("0")))


class EarlyStopping(Mutator):
    ID = "early-stopping"
    TITLE = "Broken early stopping or best-model bookkeeping"
    EFFECT = r"stop|best|patience"
    LOUD = False
    HINT = ("Write down a short sequence of validation losses and follow the stopping rule "
            "by hand: which epoch is the best, how many epochs since it, and which weights "
            "does the caller get back at the end?")
    LESSON = (
        "Early stopping keeps two pieces of state: the best metric so far and the number of "
        "epochs since it last improved. Improvement has a direction: a loss must fall "
        "(mode='min'), an accuracy must rise (mode='max'); compare the wrong way and every "
        "bad epoch counts as progress, or no epoch ever does. The counter must go back to "
        "zero at every improvement, otherwise the run stops `patience` bad epochs after the "
        "start rather than after the last improvement, cutting short a model that was still "
        "learning. And stopping late means the last weights are already worse than the best "
        "ones: a pipeline that saves the best checkpoint must load it back before returning, "
        "or it hands over the last model while reporting the best one's score. Nothing "
        "crashes in any of these cases. Test the rule on a hand-written sequence of metrics, "
        "and check that the returned model scores what the reported best epoch scored."
    )

    def __init__(self, target=None) -> None:
        super().__init__(target)
        self._ifs: list[int] = [0]  # `if` blocks open in the current function
        self._functions: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._functions.append(node.name.value)
        self._ifs.append(0)
        return True

    def leave_FunctionDef(self, original_node, updated_node):
        self._functions.pop()
        self._ifs.pop()
        return updated_node

    def visit_If(self, node: cst.If) -> bool:
        self._ifs[-1] += 1
        return super().visit_If(node)

    def leave_If(self, original_node: cst.If, updated_node: cst.If):
        self._ifs[-1] -= 1
        return super().leave_If(original_node, updated_node)

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison):
        if len(original_node.comparisons) != 1 or not _mentions_best(original_node):
            return updated_node
        operator = original_node.comparisons[0].operator
        flipped = _FLIPPED.get(type(operator))
        if flipped is None:
            return updated_node

        def rewrite():
            target = updated_node.comparisons[0]
            new = flipped(whitespace_before=operator.whitespace_before,
                          whitespace_after=operator.whitespace_after)
            return updated_node.with_changes(comparisons=[target.with_changes(operator=new)])

        return self.offer(original_node, updated_node, rewrite, "comparison with the best flipped")

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        in_init = bool(self._functions) and self._functions[-1] == "__init__"
        if self._ifs[-1] and not in_init and _is_counter_reset(original_node):
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              "counter not reset on improvement")
        if m.matches(original_node, _RESTORE):
            call = original_node.body[0].value
            if m.matches(call.func, m.Attribute(attr=m.Name("load_state_dict"))) \
                    and not _mentions_best(call):
                return updated_node
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              "best weights not restored")
        return updated_node
