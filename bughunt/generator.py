"""Variants: seeded choices of scenario, bug class and site, kept only if the checks kill them.

The order of candidates depends on the seed alone: a scenario is drawn, then one of its bug
classes, then one of that class's sites, so one scenario with many sites does not crowd out
the others. Candidates are checked in batches, in parallel, and the first `count` killed
ones in that order are the variants, whatever order the workers finish in.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from bughunt import mutants
from bughunt.judge import grader
from bughunt.catalog import Scenario
from bughunt.errors import UsageError
from mutators import Site


@dataclass(frozen=True)
class Variant:
    id: str  # "accumulation-3fa2c1": module name and a hash of the source
    scenario: Scenario
    site: Site
    seed: int
    source: str
    digest: str  # sha256 of the source: what progress remembers as "already served"
    symptom: str  # the first failing check, as a user of the code would report it
    check: str  # that check's name

    @property
    def bug_class(self) -> str:
        return self.site.mutator

    def manifest(self, file: str) -> dict:
        """Everything an instructor needs, the answer included."""
        return {"variant": self.id, "scenario": self.scenario.id, "bug_class": self.bug_class,
                "site": self.site.id, "seed": self.seed, "file": file, "symptom": self.symptom,
                "check": self.check, "sha256": self.digest}


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def symptom_of(outcome) -> str:
    """What a user of the code would report: the crash itself when it crashes, else what
    the check saw go wrong, with the example that shows it."""
    message = "\n".join(outcome.message.splitlines()[:4])
    if outcome.raised:
        text = f"it crashes: {message}"
    else:
        text = f"{outcome.symptom}\n{message}" if outcome.symptom else message
    return text + (f"\n(for example: {outcome.example})" if outcome.example else "")


def candidate_order(scenarios: tuple[Scenario, ...], seed: int, bug: str | None) -> list[tuple[Scenario, Site]]:
    rng = random.Random(seed)
    pools: dict[Scenario, dict[str, list[Site]]] = {}
    for scenario in scenarios:
        by_class: dict[str, list[Site]] = {}
        for site in mutants.sites_of(scenario, bug):
            if scenario.equivalent_reason(site.id) is None:
                by_class.setdefault(site.mutator, []).append(site)
        for sites in by_class.values():
            rng.shuffle(sites)
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
    return order


def generate(scenarios: tuple[Scenario, ...], count: int, seed: int, *, bug: str | None = None,
             exclude: frozenset[str] = frozenset(), workers: int = 2,
             timeout: float = grader.DEFAULT_TIMEOUT) -> list[Variant]:
    """Up to `count` distinct killed variants; `exclude` holds source hashes already served."""
    order = candidate_order(scenarios, seed, bug)
    if not order:
        names = ", ".join(s.id for s in scenarios)
        raise UsageError(f"no site for bug class {bug!r} in {names}" if bug else f"no bug sites in {names}")
    with grader.Pool({s.id for s in scenarios}, workers=workers) as pool:
        return _keep_killed(pool, order, count, exclude, seed, timeout)


def _keep_killed(pool, order, count, exclude, seed, timeout) -> list[Variant]:
    chosen: list[Variant] = []
    seen = set(exclude)
    position = 0
    while len(chosen) < count and position < len(order):
        batch = []
        while position < len(order) and len(batch) < max(pool.workers, count - len(chosen)):
            scenario, site = order[position]
            position += 1
            mutant = mutants.make(scenario, site)
            digest = source_hash(mutant.source)
            if digest not in seen:
                seen.add(digest)
                batch.append((mutant, digest))
        jobs = [m.kill_job() for m, _ in batch]
        verdicts = dict(pool.grade_many(jobs, timeout=timeout))
        killed = [(m, d) for i, (m, d) in enumerate(batch) if verdicts[i].first_failure is not None]
        killed = killed[:count - len(chosen)]
        # Every check, for the ones kept: the symptom is the most telling failure, not the first.
        full = dict(pool.grade_many([m.full_job() for m, _ in killed], timeout=timeout))
        for index, (mutant, digest) in enumerate(killed):
            failure = full[index].telling_failure or verdicts[batch.index((mutant, digest))].first_failure
            chosen.append(Variant(f"{mutant.scenario.module_name}-{digest[:6]}", mutant.scenario,
                                  mutant.site, seed, mutant.source, digest, symptom_of(failure), failure.name))
    return chosen
