"""scheduler-step: a learning-rate scheduler is stepped at the wrong moment, or never.

Three shapes of the same slip, each on a `scheduler.step()` statement (with the `if
scheduler is not None:` guard around it, when there is one): the statement is gone, so the
rate never changes; it moves to the top of its loop, so every epoch (or batch) trains with
a rate that was already decayed, the scheduler stepped before the optimizer; or it moves
into the batch loop that comes before it, so an epoch-based schedule counts batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst import matchers as m

from mutators._args import last_name
from mutators._base import Mutator, Site

_STEP_CALL = m.Call(func=m.Attribute(attr=m.Name("step")))


def _is_scheduler_step(node: cst.CSTNode) -> bool:
    if not m.matches(node, _STEP_CALL):
        return False
    name = last_name(node.func.value)
    return name is not None and "sched" in name.lower()


def _step_line(statement: cst.CSTNode) -> cst.Call | None:
    """The call of a line that is only `scheduler.step(...)`, else None."""
    if (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and _is_scheduler_step(statement.body[0].value)):
        return statement.body[0].value
    return None


def _guarded_step(statement: cst.CSTNode) -> cst.Call | None:
    """The first step call of `if scheduler is not None: scheduler.step()`, else None."""
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return None
    if not isinstance(statement.body, cst.IndentedBlock):
        return None
    calls = [_step_line(s) for s in statement.body.body]
    return calls[0] if calls and all(calls) else None


def _step_unit(statement: cst.CSTNode) -> cst.Call | None:
    return _step_line(statement) or _guarded_step(statement)


def _steps_an_optimizer(statement: cst.CSTNode) -> bool:
    """True when `statement` contains a `.step()` call that is not a scheduler's."""
    return any(not _is_scheduler_step(call) for call in m.findall(statement, _STEP_CALL))


def _without_blank_lines(statement: cst.BaseStatement) -> cst.BaseStatement:
    """`statement` without the empty lines above it (comment lines stay with it)."""
    kept = [line for line in statement.leading_lines if line.comment is not None]
    return statement.with_changes(leading_lines=kept)


def _inner_batch_loop(body: Sequence[cst.BaseStatement], before: int) -> tuple[int, int] | None:
    """(index of a loop in `body` before `before`, index in that loop's body just after its
    last statement that steps an optimizer); None when there is no such loop."""
    for index in range(before - 1, -1, -1):
        loop = body[index]
        if not isinstance(loop, (cst.For, cst.While)) or not isinstance(loop.body, cst.IndentedBlock):
            continue
        stepping = [i for i, s in enumerate(loop.body.body) if _steps_an_optimizer(s)]
        if stepping:
            return index, stepping[-1] + 1
    return None


class SchedulerStep(Mutator):
    ID = "scheduler-step"
    TITLE = "Scheduler stepped at the wrong moment"
    EFFECT = r"learning rate|schedule|\blr\b"
    LOUD = False
    HINT = ("A learning-rate scheduler counts its step() calls. Ask what one step stands for "
            "in this schedule, how many times it is called, and what the optimizer has "
            "already done when it is.")
    LESSON = (
        "Schedulers such as StepLR, MultiStepLR and CosineAnnealingLR count calls to "
        "scheduler.step(): step_size=10 means ten calls, and the code decides whether a call "
        "is an epoch or a batch. Step an epoch-based scheduler inside the batch loop and the "
        "rate decays a hundred times too early, so training stalls after the first epoch "
        "with a tiny learning rate; never step it and the schedule is a constant; step it at "
        "the top of the loop, before the optimizer has stepped, and the first value of the "
        "schedule is skipped (PyTorch warns about exactly that order). Nothing crashes: the "
        "loss curve is just worse. Log the learning rate each epoch from "
        "optimizer.param_groups[0]['lr'] and compare it with the schedule you meant; the "
        "usual place for an epoch-based step is once per epoch, after training and "
        "validation, and only schedulers built for it (OneCycleLR) step every batch."
    )

    def __init__(self, target: Site | None = None) -> None:
        super().__init__(target)
        self._loop_bodies: set[int] = set()
        self._guard_bodies: set[int] = set()

    def visit_For(self, node: cst.For) -> bool:
        self._loop_bodies.add(id(node.body))
        return True

    def visit_While(self, node: cst.While) -> bool:
        self._loop_bodies.add(id(node.body))
        return True

    def visit_If(self, node: cst.If) -> bool:
        if _guarded_step(node) is not None:
            self._guard_bodies.add(id(node.body))  # the guard moves whole, with its step
        return super().visit_If(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        result = updated_node
        original = original_node.body
        if id(original_node) not in self._guard_bodies and len(original) == len(updated_node.body):
            in_loop = id(original_node) in self._loop_bodies
            for index, statement in enumerate(original):
                call = _step_unit(statement)
                if call is not None:
                    result = self._offer_moves(original, index, call, in_loop, updated_node, result)
        return super().leave_IndentedBlock(original_node, result)

    def _offer_moves(self, original, index: int, call: cst.Call, in_loop: bool,
                     updated_node: cst.IndentedBlock, result: cst.IndentedBlock) -> cst.IndentedBlock:
        body = list(updated_node.body)
        rest = body[:index] + body[index + 1:]

        def never() -> cst.IndentedBlock:
            return updated_node.with_changes(body=rest)

        result = self.offer(call.func.value, result, never, "never step the scheduler")
        if not in_loop:
            return result
        if index > 0:
            def first() -> cst.IndentedBlock:
                return updated_node.with_changes(body=[_without_blank_lines(body[index]), *rest])

            result = self.offer(call.func.attr, result, first,
                                "step the scheduler at the top of the loop, before the optimizer")
        inner = _inner_batch_loop(original, index)
        if inner is not None:
            loop_index, position = inner

            def per_batch() -> cst.IndentedBlock:
                loop = body[loop_index]
                statements = list(loop.body.body)
                statements.insert(position, _without_blank_lines(body[index]))
                moved = loop.with_changes(body=loop.body.with_changes(body=statements))
                return updated_node.with_changes(body=[moved if i == loop_index else s
                                                       for i, s in enumerate(rest)])

            result = self.offer(call.func.dot, result, per_batch,
                                "step the scheduler after every batch")
        return result
