"""Mastery: the learner's record by bug class, and which class to practise next.

A *round* is one bug variant served in the workspace (challenges have no bug class and are
left out). A *miss* is a submit that failed, a hint or a reveal before the fix (after it
they are free: see `progress.py`), or a round not solved.
`by_class` sums the rounds of each class for `bughunt progress --by-class`; `weights` and
`order` choose the class `bughunt play --weak` serves. A class's weight is its recent miss
rate:

    weight = sum(DECAY**age * misses) / (sum(DECAY**age) + SMOOTHING)

summed over the rounds of that class, where `age` counts the rounds of any class served
since (0 for the latest). Recent misses count more, and a class fixed cleanly since fades.
A class with no misses weighs 0; a class never met weighs UNEXPLORED (about one recent
round with one miss), so new classes get explored. Nothing here knows about the terminal.
"""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bughunt.errors import UsageError
from bughunt.learner.progress import Progress, Record
from bughunt.variants.difficulty import DEFAULT as DEFAULT_DIFFICULTY
from bughunt.variants.manifest import CHALLENGE

if TYPE_CHECKING:  # serving pulls in the judge and torch; only `serve_weak` needs it
    from bughunt.catalog import Scenario
    from bughunt.learner.workspace import VariantFolder, Workspace
    from bughunt.variants.generator import Variant

HALF_LIFE = 5  # rounds of any class after which a miss counts half
DECAY = 0.5 ** (1 / HALF_LIFE)
SMOOTHING = 1.0  # pseudo-rounds: one clean round pulls a one-miss class down to half
UNEXPLORED = 1 / (1 + SMOOTHING)  # a class never met: as if one recent round had one miss
RECENT = 5  # rounds of a class that the reason for choosing it talks about


@dataclass(frozen=True)
class Round:
    """One bug round as mastery sees it."""

    bug_classes: tuple[str, ...]  # one, or several for a variant with several bugs
    attempts: int  # submits, passing or not
    failed: int  # submits that did not pass
    hints: int
    revealed: bool
    solved: bool  # fixed before the answer was revealed
    first_try: bool  # fixed by the first submit, with no hint
    seconds_to_fix: float | None  # from serving to the passing submit, when solved

    @property
    def misses(self) -> int:
        """Failed submits and hints, plus one for a reveal or for a round not solved."""
        return self.failed + self.hints + int(self.revealed or not self.solved)

    @classmethod
    def of(cls, record: Record, failed: int) -> Round:
        return cls(classes_of(record.bug_class), record.attempts, failed, record.hints, bool(record.revealed),
                   record.fixed_unaided, record.first_try,
                   record.seconds_to_fix if record.fixed_unaided else None)


def classes_of(bug_class: str) -> tuple[str, ...]:
    """The classes a record's `bug_class` names: "zero-grad", or several joined by "," or "+"."""
    return tuple(part for part in re.split(r"[\s,+]+", bug_class or "") if part)


def rounds(progress: Progress) -> list[Round]:
    """Every bug round in the record, oldest first."""
    failed = progress.failed_attempts()
    return [Round.of(r, failed.get(r.folder, 0)) for r in progress.records()
            if r.kind != CHALLENGE and classes_of(r.bug_class)]


@dataclass(frozen=True)
class ClassStats:
    """What the learner did with one bug class, over every round of it."""

    bug_class: str
    rounds: int
    solved: int  # fixed before the answer was revealed
    first_try: int  # fixed by the first submit, with no hint
    attempts: int
    hints: int
    reveals: int
    misses: int
    median_seconds_to_fix: float | None  # over the solved rounds; None when there are none

    @property
    def first_try_rate(self) -> float:
        return self.first_try / self.rounds

    @property
    def solved_rate(self) -> float:
        return self.solved / self.rounds

    def as_json(self) -> dict:
        return {**asdict(self), "solved_rate": self.solved_rate, "first_try_rate": self.first_try_rate}


def by_class(played: Sequence[Round]) -> list[ClassStats]:
    """One entry per class met, in class-name order."""
    grouped: dict[str, list[Round]] = {}
    for round_ in played:
        for bug_class in round_.bug_classes:
            grouped.setdefault(bug_class, []).append(round_)
    stats = []
    for bug_class, mine in sorted(grouped.items()):
        times = [r.seconds_to_fix for r in mine if r.solved and r.seconds_to_fix is not None]
        stats.append(ClassStats(
            bug_class, len(mine), sum(r.solved for r in mine), sum(r.first_try for r in mine),
            sum(r.attempts for r in mine), sum(r.hints for r in mine), sum(r.revealed for r in mine),
            sum(r.misses for r in mine), statistics.median(times) if times else None))
    return stats


def weights(played: Sequence[Round], candidates: Iterable[str]) -> dict[str, float]:
    """Each candidate class's weight for `play --weak` (see the module docstring)."""
    exposure: dict[str, float] = {}
    missed: dict[str, float] = {}
    for index, round_ in enumerate(played):
        fade = DECAY ** (len(played) - 1 - index)
        for bug_class in round_.bug_classes:
            exposure[bug_class] = exposure.get(bug_class, 0.0) + fade
            missed[bug_class] = missed.get(bug_class, 0.0) + fade * round_.misses
    return {c: missed[c] / (exposure[c] + SMOOTHING) if c in exposure else UNEXPLORED
            for c in sorted(set(candidates))}


@dataclass(frozen=True)
class Pick:
    bug_class: str
    weight: float
    reason: str  # one line for the learner: why this class


def order(played: Sequence[Round], candidates: Iterable[str], seed: int) -> list[Pick]:
    """Every candidate class, in the order `play --weak` tries to serve them: those with a
    weight drawn one by one in proportion to it, then the weightless ones shuffled. The
    same record, candidates and seed give the same order."""
    weight = weights(played, candidates)
    rng = random.Random(seed)
    pool = [c for c in weight if weight[c] > 0]
    drawn = []
    while pool:
        choice = rng.choices(pool, [weight[c] for c in pool])[0]
        pool.remove(choice)
        drawn.append(choice)
    rest = [c for c in weight if weight[c] <= 0]
    rng.shuffle(rest)
    return [Pick(c, weight[c], reason(c, played, weight[c])) for c in drawn + rest]


def reason(bug_class: str, played: Sequence[Round], weight: float) -> str:
    """Why `bug_class` is served, in one line."""
    mine = [r for r in played if bug_class in r.bug_classes]
    if not mine:
        return f"practising {bug_class}: you have not met it yet"
    if weight <= 0:
        return f"practising {bug_class}: you have fixed it cleanly every time; nothing weaker is left to serve here"
    recent = mine[-RECENT:]
    misses = sum(r.misses for r in recent)
    rounds_text = "round" if len(recent) == 1 else f"{len(recent)} rounds"
    if misses == 0:
        return f"practising {bug_class}: missed in earlier rounds, though your last {rounds_text} of it went cleanly"
    return f"practising {bug_class}: {misses} miss{'' if misses == 1 else 'es'} in your last {rounds_text} of it"


def serve_weak(space: Workspace, scenarios: tuple[Scenario, ...], seed: int,
               difficulty: str = DEFAULT_DIFFICULTY) -> tuple[VariantFolder, Variant, Pick]:
    """A variant of the class the learner misses most among those `scenarios` host, served
    as `play --bug CLASS` serves it. A class with nothing left to serve gives way to the next."""
    from bughunt.learner import serving

    candidates = {c for s in scenarios for c in s.bug_classes}
    refusal = None
    for pick in order(rounds(Progress(space.database)), candidates, seed):
        try:
            folder, variant = serving.serve_bug(space, scenarios, seed, pick.bug_class,
                                                difficulty=difficulty)
        except UsageError as error:  # no site, or every variant of it already played
            refusal = refusal or error
            continue
        return folder, variant, pick
    raise refusal or UsageError(f"no bug classes in {', '.join(s.id for s in scenarios)}")
