"""Variants: seeded bugs the checks kill, disguised so that no two rounds read alike.

1. The order of candidate bugs depends on the seed alone: a scenario is drawn, then one of
   its bug classes, then one of that class's sites (with `bugs=2`, a pair of sites of two
   classes on two lines), so one scenario with many sites does not crowd out the others.
2. Candidates are checked in batches, in parallel, and the first killed ones in that order
   are kept, whatever order the workers finish in. A pair is kept only if each of its bugs
   is killed alone and the pair is killed. The checks run most telling first (by their
   declared priority), so the first failure is the symptom a learner is shown.
3. Each kept bug is disguised (`camouflage`: seeded rewrites that change how the code reads,
   never what it does) and shaped to the difficulty; the disguised text must still fail the
   check that killed its bug. Round after round the same bugs come back in new text, so a
   level never runs out of fresh variants.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

from bughunt.catalog import Scenario
from bughunt.errors import UsageError
from bughunt.judge import grader
from bughunt.judge.checking import Outcome
from bughunt.variants import difficulty as difficulties
from bughunt.variants import dressing, mutants
from bughunt.variants.manifest import Bug, Manifest
from bughunt.variants.mutants import Mutant
from mutators import Site

MAX_BUGS = 2
# Disguises tried per kept bug before giving up on more distinct text from it.
_DISGUISES_PER_BUG = 64
# From this many variants on, camouflage (pure Python, most of `generate`'s own work) runs in
# forked processes: here it would hold the GIL that the threads waiting on runners need.
_DRESS_APART = 16
_DRESSERS = 2


@dataclass(frozen=True)
class Variant:
    id: str  # "accumulation-3fa2c1": module name and a hash of the source
    scenario: Scenario
    site: Site
    seed: int
    source: str
    digest: str  # sha256 of the source: what progress remembers as "already served"
    symptom: str  # the most telling failing check, as a user of the code would report it
    check: str  # that check's name
    also: tuple[Site, ...] = ()  # the other bugs of a round with several
    difficulty: str = difficulties.DEFAULT
    disguise: int | None = None  # camouflage's seed; None: served as the mutator wrote it
    series: tuple = ()  # the symptom drawn (`bughunt.series`), when its check draws one

    @property
    def sites(self) -> tuple[Site, ...]:
        return (self.site, *self.also)

    @property
    def bug_class(self) -> str:
        """The class, or the classes joined by `+` for a round with several bugs."""
        return "+".join(site.mutator for site in self.sites)

    def manifest(self, file: str) -> Manifest:
        """Everything an instructor needs, the answer included."""
        return Manifest(self.scenario.id, variant=self.id, file=file,
                        bugs=tuple(Bug(site.mutator, site.id) for site in self.sites), seed=self.seed,
                        symptom=self.symptom, check=self.check, sha256=self.digest,
                        difficulty=self.difficulty, disguise=self.disguise)


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


@dataclass(frozen=True)
class _Killed:
    """A kept bug: its mutant, the check that killed it, the most telling failure."""

    mutant: Mutant
    killer: str
    telling: Outcome


def candidate_order(scenarios: tuple[Scenario, ...], seed: int, bug: str | None, bugs: int = 1,
                    played: frozenset[tuple[str, str]] = frozenset()) -> list[tuple[Scenario, tuple[Site, ...]]]:
    """Candidates in seeded order; bugs the learner has met (`played`: scenario id and
    site ids joined by `+`) after the others."""
    rng = random.Random(seed)
    pools: dict[Scenario, dict[str, list[tuple[Site, ...]]]] = {}
    for scenario in scenarios:
        singles = [site for site in mutants.sites_of(scenario)
                   if scenario.equivalent_reason(site.id) is None]
        by_class: dict[str, list[tuple[Site, ...]]] = {}
        for group in _groups(singles, bugs):
            if bug is None or any(site.mutator == bug for site in group):
                by_class.setdefault("+".join(sorted(s.mutator for s in group)), []).append(group)
        for groups in by_class.values():
            rng.shuffle(groups)
        if by_class:
            pools[scenario] = by_class
    order = []
    while pools:
        scenario = rng.choice(list(pools))
        by_class = pools[scenario]
        bug_class = rng.choice(sorted(by_class))
        order.append((scenario, by_class[bug_class].pop()))
        if not by_class[bug_class]:
            del by_class[bug_class]
        if not by_class:
            del pools[scenario]
    return sorted(order, key=lambda entry: (entry[0].id, "+".join(s.id for s in entry[1])) in played)


def _groups(sites: list[Site], bugs: int) -> list[tuple[Site, ...]]:
    """Single sites, or sets of `bugs` sites of different classes on different lines."""
    if bugs == 1:
        return [(site,) for site in sites]
    return [group for group in itertools.combinations(sites, bugs)
            if len({s.mutator for s in group}) == bugs and len({s.line for s in group}) == bugs]


def generate(scenarios: tuple[Scenario, ...], count: int, seed: int, *, bug: str | None = None,
             bugs: int = 1, difficulty: str = difficulties.DEFAULT, exclude: frozenset[str] = frozenset(),
             played: frozenset[tuple[str, str]] = frozenset(), workers: int = 2,
             timeout: float = grader.DEFAULT_TIMEOUT) -> list[Variant]:
    """Up to `count` distinct killed variants; `exclude` holds source hashes already served,
    `played` the bugs already met, which come back only after the others."""
    if bug is not None:
        mutants.check_bug_class(bug)
    if not 1 <= bugs <= MAX_BUGS:
        raise UsageError(f"--bugs {bugs} is not supported; choose from: {', '.join(map(str, range(1, MAX_BUGS + 1)))}")
    if difficulty not in difficulties.LEVELS:
        raise UsageError(f"unknown difficulty {difficulty!r}; choose from: {', '.join(difficulties.LEVELS)}")
    order = candidate_order(scenarios, seed, bug, bugs, played)
    if not order:
        names = ", ".join(s.id for s in scenarios)
        what = f"{bugs} bugs of different classes on different lines" if bugs > 1 else "bug sites"
        raise UsageError(f"no site for bug class {bug!r} in {names}" if bug else f"no {what} in {names}")
    with _dressers(count) as dress_all, grader.Pool({s.id for s in scenarios}, workers=workers) as pool:
        pool.prestart(workers)  # the runners boot while the checks (and torch) are imported here
        killed = _kill(pool, order, count, timeout)
        return _disguise(pool, killed, count, seed, difficulty, exclude, timeout, dress_all)


_Dressing = tuple[str, str, tuple[Site, ...], int, str]  # source, scenario id, sites, seed, difficulty


def _dressed(job: _Dressing) -> str:
    source, scenario_id, sites, seed, difficulty = job
    from bughunt import catalog

    return dressing.dress(source, catalog.scenario(scenario_id), sites, seed, difficulty)


@contextlib.contextmanager
def _dressers(count: int) -> Iterator[Callable[[list[_Dressing]], Iterator[str]]]:
    """`dress_all(jobs)`: their texts in order, lazily; for many variants, from processes
    forked here, before the grading pool starts any thread (a process already running
    threads, a notebook's kernel say, dresses them itself: a fork copies no thread but every
    lock they hold)."""
    if count < _DRESS_APART or threading.active_count() > 1:
        yield lambda jobs: (_dressed(job) for job in jobs)
        return
    with ProcessPoolExecutor(_DRESSERS, mp_context=multiprocessing.get_context("fork")) as processes:
        processes.submit(int).result()
        yield lambda jobs: processes.map(_dressed, jobs)


def _kill(pool: grader.Pool, order, count: int, timeout: float) -> list[_Killed]:
    """The first `count` candidates in `order` that the checks kill (each bug alone too).
    Checks run most telling first, so the first failure is the symptom to show."""
    alone: dict[tuple[Scenario, Site], bool] = {}
    kept: list[_Killed] = []
    position = 0
    while len(kept) < count and position < len(order):
        batch: list[Mutant] = []
        while position < len(order) and len(batch) < max(pool.workers, count - len(kept)):
            scenario, group = order[position]
            position += 1
            mutant = mutants.combine(scenario, group) if len(group) > 1 else mutants.make(scenario, group[0])
            if mutant is not None:
                batch.append(mutant)
        singles = sorted({(m.scenario, site) for m in batch if m.also for site in m.sites} - set(alone),
                         key=lambda pair: (pair[0].id, pair[1]))
        jobs = [mutants.make(scenario, site).kill_job() for scenario, site in singles]
        jobs += [m.kill_job() for m in batch]
        verdicts = dict(pool.grade_many(jobs, timeout=timeout))
        for index, pair in enumerate(singles):
            alone[pair] = verdicts[index].first_failure is not None
        for index, mutant in enumerate(batch):
            verdict = verdicts[len(singles) + index]
            if verdict.first_failure is None or len(kept) >= count:
                continue
            if mutant.also and not all(alone[(mutant.scenario, site)] for site in mutant.sites):
                continue
            kept.append(_Killed(mutant, verdict.first_failure.name, verdict.first_failure))
    return kept


def _disguise(pool: grader.Pool, killed: list[_Killed], count: int, seed: int, difficulty: str,
              exclude: frozenset[str], timeout: float, dress_all) -> list[Variant]:
    """Up to `count` distinct disguised texts, round-robin over the kept bugs; each must
    still fail the check that killed its bug. The next batch is disguised while the runners
    confirm the last one (camouflage is `dress_all`'s work, checks the runners')."""
    chosen: list[Variant] = []
    seen = set(exclude)
    attempts = iter(range(_DISGUISES_PER_BUG))

    def next_batch(wanted: int) -> list[tuple[_Killed, str, int]]:
        batch: list[tuple[_Killed, str, int]] = []
        if wanted <= 0:
            return batch
        for attempt in attempts:
            seeds = [int.from_bytes(hashlib.sha256(f"{seed}:{k}:{attempt}".encode()).digest()[:4], "big")
                     for k in range(len(killed))]
            sources = dress_all([(bug.mutant.source, bug.mutant.scenario.id, bug.mutant.sites, variant_seed,
                                  difficulty) for bug, variant_seed in zip(killed, seeds)])
            with contextlib.closing(sources):  # what is not needed is not dressed
                for bug, variant_seed, source in zip(killed, seeds, sources):
                    if len(batch) >= wanted:
                        return batch
                    digest = source_hash(source)
                    if digest not in seen:
                        seen.add(digest)
                        batch.append((bug, source, variant_seed))
            if batch:
                return batch
        return batch

    def confirm(batch) -> dict[int, grader.Verdict]:
        jobs = [grader.Job(b.mutant.scenario.id, source, b.mutant.scenario.file_name,
                           stop_at_first_failure=True, checks=(b.killer,)) for b, source, _ in batch]
        return dict(pool.grade_many(jobs, timeout=timeout))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bughunt-confirm") as confirming:
        batch = next_batch(min(count, len(killed)))
        while batch:
            pending = confirming.submit(confirm, batch)
            following = next_batch(min(count - len(chosen) - len(batch), len(killed)))
            verdicts = pending.result()
            for index, (bug, source, variant_seed) in enumerate(batch):
                if verdicts[index].first_failure is not None:  # else: a disguise changed behaviour
                    chosen.append(_variant(bug, source, seed, variant_seed, difficulty))
            batch = following if len(chosen) < count else []
            if not batch and len(chosen) < count:
                batch = next_batch(min(count - len(chosen), len(killed)))
    return chosen[:count]


def _variant(bug: _Killed, source: str, seed: int, disguise: int, difficulty: str) -> Variant:
    mutant = bug.mutant
    digest = source_hash(source)
    symptom = difficulties.symptom(bug.telling, difficulty, dressing.places(mutant.sites))
    return Variant(f"{mutant.scenario.module_name}-{digest[:6]}", mutant.scenario, mutant.site, seed,
                   source, digest, symptom, bug.telling.name, mutant.also, difficulty, disguise,
                   tuple(bug.telling.series))



def certify(picks: list[tuple[Scenario, tuple[Site, ...], int]], *, check_seed: int = 0,
            difficulty: str = difficulties.DEFAULT, workers: int = 2,
            timeout: float = grader.DEFAULT_TIMEOUT) -> list[Variant | None]:
    """Rounds planned elsewhere (a course: a scenario, its bug sites and a disguise seed per
    student), in order: a Variant where the checks kill the bug and, at `check_seed`, its
    disguised text; None where they do not, so the planner can pick another site."""
    groups = list(dict.fromkeys((scenario, tuple(sorted(sites))) for scenario, sites, _ in picks))
    with grader.Pool({scenario.id for scenario, _ in groups}, workers=workers) as pool:
        pool.prestart(workers)
        killed = {(k.mutant.scenario, k.mutant.sites): k for k in _kill(pool, groups, len(groups), timeout)}
        dressed = []
        for scenario, sites, disguise in picks:
            bug = killed.get((scenario, tuple(sorted(sites))))
            if bug is not None:
                source = dressing.dress(bug.mutant.source, scenario, bug.mutant.sites, disguise, difficulty)
                dressed.append((bug, source, disguise))
            else:
                dressed.append(None)
        jobs = [grader.Job(bug.mutant.scenario.id, source, bug.mutant.scenario.file_name, seed=check_seed,
                           stop_at_first_failure=True, checks=(bug.killer,))
                for bug, source, _ in filter(None, dressed)]
        verdicts = dict(pool.grade_many(jobs, timeout=timeout))
    variants: list[Variant | None] = []
    confirmed = iter(range(len(jobs)))
    for entry in dressed:
        if entry is None:
            variants.append(None)
            continue
        bug, source, disguise = entry
        killed_here = verdicts[next(confirmed)].first_failure is not None
        variants.append(_variant(bug, source, check_seed, disguise, difficulty) if killed_here else None)
    return variants
