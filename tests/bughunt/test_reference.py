"""The reference's observer: a failure is tried once more in a freshly loaded reference."""

from __future__ import annotations

from bughunt import catalog
from bughunt.judge import grader, reference
from bughunt.wire import Op

SCENARIO = catalog.scenario("l03_training.one_epoch")


class _Runner:
    """A runner whose loaded reference fails every observation after its first."""

    def __init__(self) -> None:
        self.alive, self.loads, self.asked = True, 0, 0

    def load(self, *args) -> None:
        self.loads += 1
        self.asked = 0

    def end(self) -> None:
        pass

    def observe(self, check, example, budget):
        self.asked += 1
        return (Op.OBSERVATION, self.loads) if self.asked == 1 else (Op.ERROR, "left over from the last example")


def _observer(monkeypatch, runner: _Runner) -> reference._Observer:
    observer = reference._Observer(frozenset([SCENARIO.id]), "cpu")
    monkeypatch.setattr(observer, "_start", lambda: runner)
    return observer


def test_a_failure_left_by_an_earlier_example_is_tried_again_in_a_fresh_reference(monkeypatch):
    runner = _Runner()
    observer = _observer(monkeypatch, runner)
    check = grader.checks_of(SCENARIO.id)[0]
    assert observer.observe(SCENARIO, check, {}) == (Op.OBSERVATION, 1)
    assert observer.observe(SCENARIO, check, {}) == (Op.OBSERVATION, 2)
    assert runner.loads == 2


def test_a_reference_that_fails_twice_fails(monkeypatch):
    runner = _Runner()
    runner.observe = lambda *args: (Op.ERROR, "broken check")
    observer = _observer(monkeypatch, runner)
    assert observer.observe(SCENARIO, grader.checks_of(SCENARIO.id)[0], {}) == (Op.ERROR, "broken check")
    assert runner.loads == 2
