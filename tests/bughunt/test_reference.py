"""The reference's observer: a failure is tried once more in a freshly loaded reference;
observations made ahead of the grading thread are made once, and a failure made ahead is
reported by the grading thread."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

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


class _SlowObserver:
    """Stands in for the reference's runner: each observation takes a while, and says which
    example it was."""

    def __init__(self, fails: bool = False) -> None:
        self.asked: list[int] = []
        self.fails = fails
        self.lock = threading.Lock()

    def observe(self, scenario, check, example):
        with self.lock:
            self.asked.append(example["n"])
            time.sleep(0.02)
            return (Op.ERROR, "broken check") if self.fails else (Op.OBSERVATION, example["n"] * 10)


def _reference(observer, monkeypatch, tmp_path) -> reference.Reference:
    monkeypatch.setenv("BUGHUNT_CACHE", str(tmp_path))
    return reference.Reference(SCENARIO, "cpu", observer=observer)


def test_an_observation_made_ahead_is_made_once_and_waited_for(monkeypatch, tmp_path):
    observer = _SlowObserver()
    ref = _reference(observer, monkeypatch, tmp_path)
    check = grader.checks_of(SCENARIO.id)[0]
    ahead = ref.ahead((check, {"n": n}) for n in range(5))
    got = [ref.observe(check, {"n": n}) for n in range(5)]
    ahead.stop()
    assert got == [0, 10, 20, 30, 40]
    assert sorted(observer.asked) == [0, 1, 2, 3, 4]


def test_stopping_ahead_leaves_the_rest_unobserved(monkeypatch, tmp_path):
    observer = _SlowObserver()
    ref = _reference(observer, monkeypatch, tmp_path)
    check = grader.checks_of(SCENARIO.id)[0]
    ahead = ref.ahead((check, {"n": n}) for n in range(1000))
    while not observer.asked:
        time.sleep(0.01)
    ahead.stop()
    made = len(observer.asked)
    assert 0 < made < 1000
    assert ref.missing(check, {"n": 999})
    assert not ref.missing(check, {"n": 0})
    time.sleep(0.05)
    assert len(observer.asked) == made


def test_a_failure_made_ahead_is_met_again_by_the_grading_thread(monkeypatch, tmp_path):
    observer = _SlowObserver(fails=True)
    ref = _reference(observer, monkeypatch, tmp_path)
    check = grader.checks_of(SCENARIO.id)[0]
    ahead = ref.ahead([(check, {"n": 1})])
    with pytest.raises(reference.NoReferenceObservation, match="broken check"):
        ref.observe(check, {"n": 1})
    ahead.stop()
    assert ref.missing(check, {"n": 1})


def test_naming_the_cache_file_does_not_import_torch():
    """The reference's runner boots while the judge imports torch, so the cache file (whose
    name says which torch) must be found before that import."""
    code = "import sys; from bughunt.judge import reference; reference.sources_digest(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
