"""Mutants: a scenario's reference source with one bug injected at one site (or a few bugs,
each at its own site, for rounds with several bugs)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import libcst as cst

import mutators
from bughunt.catalog import Scenario
from bughunt.errors import UsageError
from bughunt.judge import grader
from mutators import Mutator, Site


@dataclass(frozen=True)
class Mutant:
    scenario: Scenario
    site: Site
    source: str
    also: tuple[Site, ...] = ()  # further bugs in the same source

    @property
    def sites(self) -> tuple[Site, ...]:
        return (self.site, *self.also)

    @property
    def id(self) -> str:
        return f"{self.scenario.id}@{'+'.join(site.id for site in self.sites)}"

    def kill_job(self, seed: int = 0, first: tuple[str, ...] = ()) -> grader.Job:
        """Run until the first failing check: enough to know whether the checks kill it.
        The checks run most telling first, so that failure is also the symptom to show;
        `first`: these checks only, in this order (the one known to kill it, say)."""
        return grader.Job(self.scenario.id, self.source, self.scenario.file_name,
                           stop_at_first_failure=True, seed=seed,
                           checks=first or grader.telling_order(self.scenario.id))

    @property
    def equivalent_reason(self) -> str | None:
        return self.scenario.equivalent_reason(self.site.id)


@cache
def _parsed(scenario: Scenario) -> cst.Module:
    return cst.parse_module(scenario.reference_path.read_text(encoding="utf-8"))


def check_bug_class(bug: str | None) -> None:
    known = [m.ID for m in mutators.ALL_MUTATORS]
    if bug is not None and bug not in known:
        raise UsageError(f"unknown bug class {bug!r}; choose from: {', '.join(known)}")


def sites_of(scenario: Scenario, bug: str | None = None) -> list[Site]:
    """Every site of every bug class the scenario hosts (or just `bug`), in a stable order."""
    check_bug_class(bug)
    found: list[Site] = []
    for mutator_id in scenario.bug_classes:
        if bug is None or bug == mutator_id:
            found.extend(mutators.sites(_mutator(scenario, mutator_id), _parsed(scenario)))
    return found


def _mutator(scenario: Scenario, mutator_id: str) -> type[Mutator]:
    try:
        return mutators.by_id(mutator_id)
    except KeyError:
        known = ", ".join(m.ID for m in mutators.ALL_MUTATORS)
        raise UsageError(f"{scenario.metadata_path.name} lists unknown bug class {mutator_id!r}; "
                         f"known: {known}") from None


def make(scenario: Scenario, site: Site) -> Mutant:
    source = mutators.apply(mutators.by_id(site.mutator), _parsed(scenario), site)
    return Mutant(scenario, site, source)


def combine(scenario: Scenario, sites: tuple[Site, ...]) -> Mutant | None:
    """One source with a bug at each of `sites` (on different lines), or None when one bug
    takes away the place of another. The latest site goes in first, so the text before it,
    where the earlier ones are, stays as it was: each is found again by its line and column."""
    reference = _parsed(scenario)
    try:
        placed = [mutators.locate(mutators.by_id(site.mutator), reference, site) for site in sites]
    except mutators.SiteNotFound:
        return None
    if len({site.line for site in placed}) < len(placed):
        return None
    source = reference
    for site in sorted(placed, key=lambda s: (s.line, s.column), reverse=True):
        mutator = mutators.by_id(site.mutator)
        here = [s for s in mutators.sites(mutator, source)
                if (s.line, s.column, s.note) == (site.line, site.column, site.note)]
        if not here:
            return None
        source = cst.parse_module(mutators.apply(mutator, source, here[0]))
    first, *rest = sorted(sites)
    return Mutant(scenario, first, source.code, tuple(rest))


def mutants_of(scenario: Scenario, bug: str | None = None) -> list[Mutant]:
    return [make(scenario, site) for site in sites_of(scenario, bug)]
