"""Who gets which bug: an assignment per student, balanced so that grades are comparable.

Students are dealt, in a seeded order, round-robin over the level's scenarios, so scenario
counts differ by at most one. Within a scenario, each student gets the bug class used least
so far among the classes that still have a site nobody in the class has (then a site of
it in seeded order): no two students share a bug site before every site of their scenario
is used, and a level's classes come up as evenly as their sites allow. A site whose
variant the checks do not kill is dropped (`dead`) and the plan is dealt again.

Each student's disguise (the camouflage seed) comes from the secret seed and their id,
so the same roster and seed always give the same course, and no student can work out
another's hand-out from their own.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass

from bughunt.catalog import Scenario
from mutators import Site


@dataclass(frozen=True)
class Assignment:
    student: str
    scenario: Scenario
    sites: tuple[Site, ...]  # one, or one per bug with --bugs 2

    @property
    def bug_class(self) -> str:
        return "+".join(site.mutator for site in self.sites)


Pools = dict[Scenario, list[tuple[Site, ...]]]  # each scenario's bug sites (or pairs), seeded order


def pools(scenarios: tuple[Scenario, ...], seed: int, bugs: int = 1) -> Pools:
    """Every bug (a site, or a pair of sites) each scenario hosts, in the seed's order."""
    from bughunt.variants import generator

    found: Pools = {}
    for scenario, sites in generator.candidate_order(scenarios, seed, None, bugs):
        found.setdefault(scenario, []).append(tuple(sorted(sites)))
    return {s: found[s] for s in scenarios if s in found}


def deal(students: tuple[str, ...], available: Pools, seed: int,
         dead: frozenset[tuple[str, tuple[Site, ...]]] = frozenset()) -> list[Assignment]:
    """An assignment per student, in the roster's order (see the module docstring)."""
    live = {s: [g for g in groups if (s.id, g) not in dead] for s, groups in available.items()}
    live = {s: groups for s, groups in live.items() if groups}
    if not live:
        return []
    rng = random.Random(f"deal:{seed}")
    order = list(students)
    rng.shuffle(order)
    scenarios = sorted(live, key=lambda s: s.id)
    rng.shuffle(scenarios)
    used: dict[Scenario, Counter] = {s: Counter() for s in scenarios}  # a cycle's sites
    classes: dict[Scenario, Counter] = {s: Counter() for s in scenarios}
    # Ties between classes broken in a seeded order, not alphabetically.
    rank = {s: {c: rng.random() for c in sorted({_class(g) for g in live[s]})} for s in scenarios}
    chosen: dict[str, Assignment] = {}
    for position, student in enumerate(order):
        scenario = scenarios[position % len(scenarios)]
        groups = live[scenario]
        if all(used[scenario][g] for g in groups):
            used[scenario].clear()  # every site of the scenario is taken: a new cycle
        fresh = [g for g in groups if not used[scenario][g]]
        name = min({_class(g) for g in fresh}, key=lambda c: (classes[scenario][c], rank[scenario][c]))
        group = next(g for g in fresh if _class(g) == name)
        used[scenario][group] += 1
        classes[scenario][name] += 1
        chosen[student] = Assignment(student, scenario, group)
    return [chosen[student] for student in students]


def disguise_seed(secret: int, student: str, attempt: int = 0) -> int:
    """The camouflage seed of a student's hand-out (another `attempt` when two came out alike)."""
    digest = hashlib.sha256(f"bughunt-course:{secret}:{student}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _class(group: tuple[Site, ...]) -> str:
    return "+".join(sorted(site.mutator for site in group))
