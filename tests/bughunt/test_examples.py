"""Drawn once, replayed: the examples the judge walks are the ones Hypothesis would give."""

from __future__ import annotations

import gc
import threading

import pytest

from bughunt import catalog, wire
from bughunt.judge import examples, grader
from bughunt.judge.checking import run_property

SCENARIOS = ("l03_training.one_epoch", "l06_advanced.mixed_precision", "l12_architectures.residual")
CHECKS = [(s, c) for s in SCENARIOS for c in grader.checks_of(s)]


class _Enough(BaseException):
    pass


def _seen_until(chk, seed: int, stop_at: int) -> list:
    """What a property that fails at its `stop_at`-th call is called with."""
    seen = []

    def prop(**example):
        seen.append(wire.decode(wire.encode(example)))
        if len(seen) == stop_at:
            raise _Enough

    try:
        run_property(chk, prop, seed)
    except _Enough:
        pass
    return seen


@pytest.mark.parametrize("scenario_id, chk", CHECKS, ids=[f"{s}.{c.name}" for s, c in CHECKS])
@pytest.mark.parametrize("seed, stop_at", [(0, 1), (1, 4), (987654321, 10**6)])
def test_a_failing_property_sees_a_prefix_of_the_replayed_examples(scenario_id, chk, seed, stop_at):
    graded = grader.with_secret(chk, seed)
    replayed = examples.drawn(scenario_id, graded, seed)
    assert replayed == [wire.decode(wire.encode(e)) for e in examples.examples_of(graded, seed)]
    seen = _seen_until(graded, seed, stop_at)
    assert seen == replayed[:len(seen)]
    assert len(seen) == min(stop_at, len(replayed))


def test_each_candidate_gets_its_own_copy():
    chk = grader.checks_of("l03_training.one_epoch")[0]
    first = examples.drawn("l03_training.one_epoch", chk, 0)
    first[0]["sizes"].append(99)
    assert examples.drawn("l03_training.one_epoch", chk, 0)[0] != first[0]


def test_drawing_ahead_fills_what_the_grade_then_reads():
    scenario = catalog.scenario("l02_models.blocks")
    checks = [grader.with_secret(c, 5) for c in grader.checks_of(scenario.id)]
    examples.draw_ahead(scenario.id, checks, 5)
    assert [examples.drawn(scenario.id, c, 5) for c in checks] == \
        [[wire.decode(wire.encode(e)) for e in examples.examples_of(c, 5)] for c in checks]


class _Shelf(dict):
    def kept(self, key):
        return self.get(key)

    def keep(self, key, value):
        self[key] = value


def _forget(monkeypatch):
    monkeypatch.setattr(examples, "_entries", {})


def test_a_later_process_reads_the_examples_from_the_shelf_and_draws_nothing(monkeypatch):
    chk = grader.with_secret(grader.checks_of("l02_models.blocks")[0], 3)
    shelf = _Shelf()
    _forget(monkeypatch)
    first = examples.drawn("l02_models.blocks", chk, 3, shelf)
    assert len(shelf) == 1
    _forget(monkeypatch)  # as a new process would start

    def no_drawing(*args):
        raise AssertionError("drew again")

    monkeypatch.setattr(examples, "examples_of", no_drawing)
    assert examples.drawn("l02_models.blocks", chk, 3, shelf) == first


@pytest.mark.parametrize("damage", [b"not the wire format", wire.encode({"a": 1}), wire.encode([1, 2])])
def test_a_damaged_shelf_entry_is_drawn_again(monkeypatch, damage):
    chk = grader.with_secret(grader.checks_of("l02_models.blocks")[0], 3)
    shelf = _Shelf()
    _forget(monkeypatch)
    first = examples.drawn("l02_models.blocks", chk, 3, shelf)
    shelf[next(iter(shelf))] = damage
    _forget(monkeypatch)
    assert examples.drawn("l02_models.blocks", chk, 3, shelf) == first
    assert examples._unshelved(shelf, chk.name, 3) is not None  # and kept whole again


def test_a_scenario_is_complete_on_the_shelf_once_every_check_has_its_examples(monkeypatch):
    scenario_id = "l02_models.blocks"
    checks = [grader.with_secret(c, 4) for c in grader.checks_of(scenario_id)]
    names = [c.name for c in checks]
    shelf = _Shelf()
    _forget(monkeypatch)
    examples.drawn(scenario_id, checks[0], 4, shelf)
    examples.mark_complete(shelf, names, 4)
    assert not examples.complete(shelf, 4)
    for chk in checks[1:]:
        examples.drawn(scenario_id, chk, 4, shelf)
    examples.mark_complete(shelf, names, 4)
    assert examples.complete(shelf, 4) and not examples.complete(shelf, 5)
    shelf[examples._key(names[-1], 4)] = b"damaged"
    assert not examples.complete(shelf, 4)


GRADE_TWICE = """
import sys
from bughunt import catalog
from bughunt.judge import grader
scenario = catalog.scenario("l03_training.one_epoch")
verdict = grader.run(grader.Job(scenario.id, scenario.reference_path.read_text(), "one_epoch.py", seed=3))
print(verdict.passed, "hypothesis" in sys.modules)
"""


def test_a_check_whose_examples_are_all_kept_never_imports_hypothesis(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "BUGHUNT_CACHE": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", GRADE_TWICE], capture_output=True, text=True, env=env,
                           timeout=300) for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["True", "True"], ["True", "False"]], runs[-1].stderr[-2000:]


GRADE_MANY = """
from bughunt import catalog
from bughunt.judge import examples, grader
from bughunt.judge.reference import reference_of
scenario = catalog.scenario("l03_training.one_epoch")
job = grader.Job(scenario.id, scenario.reference_path.read_text(), "one_epoch.py", seed=6)
print(all(verdict.passed for _, verdict in grader.run_many([job])),
      examples.complete(reference_of(scenario.id, "cpu"), 6), examples.complete(reference_of(scenario.id, "cpu"), 7))
"""


def test_a_batch_marks_the_seeds_whose_examples_it_drew_in_full(tmp_path):
    """So the next batch (`analyze`, `generate`) boots no runner for the reference."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "BUGHUNT_CACHE": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", GRADE_MANY], capture_output=True, text=True, env=env, timeout=300)
    assert run.stdout.split() == ["True", "True", "False"], run.stderr[-2000:]


GRADE_AT_A_NEW_SEED = """
import sys
from bughunt import catalog
from bughunt.judge import grader
scenario = catalog.scenario("l03_training.one_epoch")
source = scenario.reference_path.read_text()
first = grader.run(grader.Job(scenario.id, source, "one_epoch.py", seed=3))
inert = "hypothesis" not in sys.modules
later = grader.run(grader.Job(scenario.id, source, "one_epoch.py", seed=8))
print(first.passed, inert, later.passed)
"""


def test_checks_imported_without_hypothesis_draw_again_at_a_new_seed(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "BUGHUNT_CACHE": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
            for script in (GRADE_TWICE, GRADE_AT_A_NEW_SEED)]
    assert runs[-1].stdout.split() == ["True", "True", "True"], runs[-1].stderr[-2000:]


def test_a_new_threads_first_draw_neither_collects_the_heap_nor_draws_otherwise(monkeypatch):
    # Hypothesis registers a Random per thread with a full collection (0.1-0.3 s beside
    # torch); the judge draws on many threads, which share one Random registered once.
    chk = grader.checks_of("l03_training.one_epoch", drawing=True)[0]
    here = examples.examples_of(chk, 7)
    collections, there = [], []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    thread = threading.Thread(target=lambda: there.extend(examples.examples_of(chk, 7)))
    thread.start()
    thread.join()
    assert not collections
    assert [wire.encode(e) for e in there] == [wire.encode(e) for e in here]
