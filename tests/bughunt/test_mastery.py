"""Mastery: rounds read from the record, sums per bug class, and the weighting of `play --weak`."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bughunt.learner import mastery
from bughunt.learner.mastery import UNEXPLORED, Round
from bughunt.learner.progress import Progress
from bughunt.variants.manifest import Manifest

CLASSES = ("zero-grad", "detach", "device", "eval-mode")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def clean(bug_class: str) -> Round:
    return Round((bug_class,), 1, 0, 0, False, True, True, 60.0)


def missed(bug_class: str, failed: int = 1, hints: int = 0, revealed: bool = False, solved: bool = True) -> Round:
    return Round((bug_class,), failed + int(solved), failed, hints, revealed, solved, False, 90.0 if solved else None)


def test_rounds_and_sums_come_from_the_record(tmp_path):
    clock = Clock()
    progress = Progress(tmp_path / "p.sqlite", clock=clock)
    played = {"scenario": "l03_training.one_epoch", "kind": "bug"}
    progress.served("001", Manifest.from_json({**played, "bug_class": "zero-grad"}), "a")  # a failed submit and a hint, then a fix
    clock.now += 10
    progress.attempt("001", False, ["same_updates"])
    progress.hint("001")
    clock.now += 60
    progress.attempt("001", True, [])
    progress.served("002", Manifest.from_json({**played, "bug_class": "zero-grad"}), "b")  # fixed at once
    clock.now += 30
    progress.attempt("002", True, [])
    progress.attempt("002", True, [])  # submitting again after the fix is no miss
    progress.served("003", Manifest.from_json({**played, "bug_class": "zero-grad"}), "c")  # revealed, then pasted in
    progress.attempt("003", False, ["same_updates"])
    progress.reveal("003")
    progress.attempt("003", True, [])
    progress.served("004", Manifest.from_json({**played, "bug_class": "detach"}), "d")  # served, never touched
    progress.served("005", Manifest.from_json({"scenario": "l03_training.one_epoch", "kind": "challenge"}), "")
    progress.served("006", Manifest.from_json({**played, "bug_class": "detach, device"}), "e")  # two bugs, fixed at once
    progress.attempt("006", True, [])

    assert progress.failed_attempts() == {"001": 1, "003": 1}
    rounds = mastery.rounds(progress)
    assert [r.misses for r in rounds] == [2, 0, 2, 1, 0]
    assert [r.first_try for r in rounds] == [False, True, False, False, True]
    assert [r.bug_classes for r in rounds][-1] == ("detach", "device")

    stats = {s.bug_class: s for s in mastery.by_class(rounds)}
    assert list(stats) == ["detach", "device", "zero-grad"]
    zero_grad = stats["zero-grad"]
    assert (zero_grad.rounds, zero_grad.solved, zero_grad.first_try) == (3, 2, 1)
    assert (zero_grad.attempts, zero_grad.hints, zero_grad.reveals, zero_grad.misses) == (6, 1, 1, 4)
    assert zero_grad.median_seconds_to_fix == pytest.approx((70 + 30) / 2)  # the revealed fix does not count
    assert stats["detach"].as_json() == {
        "bug_class": "detach", "rounds": 2, "solved": 1, "first_try": 1, "attempts": 1, "hints": 0, "reveals": 0,
        "misses": 1, "median_seconds_to_fix": 0.0, "solved_rate": 0.5, "first_try_rate": 0.5}


def test_an_empty_workspace_has_no_rounds_and_is_not_created(tmp_path):
    progress = Progress(tmp_path / "nowhere" / "p.sqlite")
    assert mastery.rounds(progress) == [] and mastery.by_class([]) == []
    assert not (tmp_path / "nowhere").exists()


def test_a_missed_class_comes_before_clean_and_new_ones_for_every_seed():
    played = [missed("zero-grad", revealed=True, solved=False), missed("zero-grad"), missed("zero-grad"),
              *(clean(c) for c in CLASSES[1:] for _ in range(3))]
    for seed in range(50):
        picks = mastery.order(played, CLASSES, seed)
        assert picks[0].bug_class == "zero-grad"
        assert picks[0].reason == "practising zero-grad: 4 misses in your last 3 rounds of it"


def test_classes_never_met_get_the_prior_and_say_so():
    weights = mastery.weights([clean("detach")], ["detach", "seed"])
    assert weights == {"detach": 0.0, "seed": UNEXPLORED}
    (pick,) = [p for p in mastery.order([clean("detach")], ["detach", "seed"], 0) if p.bug_class == "seed"]
    assert pick.reason == "practising seed: you have not met it yet"


def test_the_reasons_read_well():
    assert mastery.reason("detach", [missed("detach", failed=0, hints=1)], 0.5) == \
        "practising detach: 1 miss in your last round of it"
    old = [missed("detach"), *(clean("detach") for _ in range(mastery.RECENT))]
    assert "missed in earlier rounds" in mastery.reason("detach", old, mastery.weights(old, ["detach"])["detach"])
    assert "fixed it cleanly every time" in mastery.reason("detach", [clean("detach")], 0.0)


# Properties of the weighting.

rounds_strategy = st.lists(
    st.builds(lambda c, failed, hints, revealed, solved: Round(
        (c,), failed + int(solved), failed, hints, revealed, solved,
        solved and not (failed or hints or revealed), 60.0 if solved else None),
        st.sampled_from(CLASSES), st.integers(0, 4), st.integers(0, 3), st.booleans(), st.booleans()),
    max_size=30)


@given(rounds_strategy, st.data())
def test_one_more_miss_raises_its_class_weight(played, data):
    assume(played)
    index = data.draw(st.integers(0, len(played) - 1))
    (bug_class,) = played[index].bug_classes
    worse = [*played]
    worse[index] = dataclasses.replace(played[index], failed=played[index].failed + 1)
    assert mastery.weights(worse, CLASSES)[bug_class] > mastery.weights(played, CLASSES)[bug_class]


@given(rounds_strategy, st.data())
def test_a_more_recent_miss_never_weighs_less_than_an_older_one(played, data):
    pairs = [(i, j) for i, j in itertools.combinations(range(len(played)), 2)
             if played[i].bug_classes == played[j].bug_classes]
    assume(pairs)
    older, newer = data.draw(st.sampled_from(pairs))
    (bug_class,) = played[older].bug_classes

    def with_miss_at(index):
        changed = [*played]
        changed[index] = dataclasses.replace(played[index], hints=played[index].hints + 1)
        return mastery.weights(changed, CLASSES)[bug_class]

    assert with_miss_at(newer) >= with_miss_at(older)


@given(rounds_strategy, st.sampled_from(CLASSES), st.sampled_from(CLASSES))
def test_rounds_of_other_classes_never_raise_a_class_weight(played, bug_class, other):
    assume(other != bug_class)
    later = [*played, clean(other), missed(other)]
    assert mastery.weights(later, CLASSES)[bug_class] <= mastery.weights(played, CLASSES)[bug_class]


@given(rounds_strategy, st.integers(1, 20), st.integers(0, 2**31))
def test_a_clean_class_is_never_chosen_over_one_with_misses(played, clean_rounds, seed):
    mixed = [*played, *(clean("detach") for _ in range(clean_rounds))]
    mixed = [r for r in mixed if r.bug_classes != ("detach",) or r.misses == 0]
    weights = mastery.weights(mixed, CLASSES)
    assert weights["detach"] == 0.0
    first = mastery.order(mixed, CLASSES, seed)[0]
    if any(w > 0 for w in weights.values()):
        assert first.bug_class != "detach"
        assert first.weight > 0


@given(rounds_strategy, st.integers(0, 2**31))
def test_the_same_record_and_seed_give_the_same_order(played, seed):
    first = mastery.order(played, CLASSES, seed)
    assert first == mastery.order(played, reversed(CLASSES), seed)
    assert sorted(p.bug_class for p in first) == sorted(CLASSES)
    weights = mastery.weights(played, CLASSES)
    for bug_class, weight in weights.items():
        mine = [r.misses for r in played if bug_class in r.bug_classes]
        assert weight == UNEXPLORED if not mine else 0 <= weight <= max(mine)
