"""Mutants: a scenario's reference source with one bug injected at one site (or a few bugs,
each at its own site, for rounds with several bugs).

Finding the sites and rewriting the reference are libcst's work, the slowest part of making
a round or analysing the catalog (5-8 s for the whole catalog). Both depend only on the
reference, the mutators and libcst, so they are kept on disk (`_Kept`), in the user's cache
folder under the reference cache's rules, in a file named by a hash of all three.
"""

from __future__ import annotations

import ast
import hashlib
import json
import threading
from dataclasses import astuple, dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import libcst as cst

import mutators
from bughunt import catalog, syntax
from bughunt.catalog import Scenario
from bughunt.errors import UsageError
from bughunt.judge import grader
from bughunt.judge.reference import cache_dir, trusted, write_atomically
from bughunt.runner import isolation
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

    def kill_job(self, seed: int = 0, first: tuple[str, ...] = (), confirm: int | None = None) -> grader.Job:
        """Run until the first failing check: enough to know whether the checks kill it.
        The checks run most telling first, so that failure is also the symptom to show;
        `first`: these checks only, in this order (the one known to kill it, say);
        `confirm`: a second check seed a kill is confirmed on (`Job.confirm_seed`)."""
        return grader.Job(self.scenario.id, self.source, self.scenario.file_name,
                           stop_at_first_failure=True, seed=seed,
                           checks=first or grader.telling_order(self.scenario.id), confirm_seed=confirm)

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
    kept = _kept(scenario)
    if kept.sites is None:
        found: list[Site] = []
        for mutator_id in scenario.bug_classes:
            found.extend(mutators.sites(_mutator(scenario, mutator_id), _parsed(scenario)))
        kept.keep_sites(found)
    return [site for site in kept.sites if bug is None or site.mutator == bug]


def _mutator(scenario: Scenario, mutator_id: str) -> type[Mutator]:
    try:
        return mutators.by_id(mutator_id)
    except KeyError:
        known = ", ".join(m.ID for m in mutators.ALL_MUTATORS)
        raise UsageError(f"{scenario.metadata_path.name} lists unknown bug class {mutator_id!r}; "
                         f"known: {known}") from None


def make(scenario: Scenario, site: Site) -> Mutant:
    kept = _kept(scenario)
    source = kept.sources.get(site.id)
    if source is None:
        source = mutators.apply(mutators.by_id(site.mutator), _parsed(scenario), site)
        kept.keep_source(site.id, source)
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


def normal_forms(scenario: Scenario, sources: list[str]) -> list[str]:
    """For each source, a digest of its syntax tree: equal for code that differs only in
    comments and layout. Parsing is the cost (0.5 s for the catalog), so they are kept
    beside the scenario's mutants, by the digest of the text."""
    kept = _kept(scenario)
    texts = [hashlib.sha256(source.encode()).hexdigest()[:32] for source in sources]
    missing = {text: _normal_form(source) for text, source in zip(texts, sources) if text not in kept.forms}
    if missing:
        kept.keep_forms(missing)
    return [kept.forms[text] for text in texts]


def _normal_form(source: str) -> str:
    return hashlib.sha256(ast.dump(syntax.parse(source)).encode()).hexdigest()[:32]


def kept_whole(scenario: Scenario) -> bool:
    """Whether every site of the scenario and its source are kept (nothing for libcst to do)."""
    kept = _kept(scenario)
    return kept.sites is not None and all(site.id in kept.sources for site in kept.sites)


def made_apart(scenario_id: str) -> None:
    """`mutants_of` for a process of its own, which keeps them on disk for its parent."""
    mutants_of(catalog.scenario(scenario_id))


def forget_kept() -> None:
    """Read what is kept from disk again: another process may have made more."""
    _kept_for.cache_clear()


class _Kept:
    """One scenario's sites, single-bug sources and normal forms, read from disk once and
    written back as they are found."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.sites: list[Site] | None = None
        self.sources: dict[str, str] = {}
        self.forms: dict[str, str] = {}  # the digest of a source's text -> its normal form
        self._lock = threading.Lock()
        if path is not None and trusted(path):
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
                self.sites = [Site(*fields) for fields in saved["sites"]] if saved["sites"] is not None else None
                self.sources = {str(k): str(v) for k, v in saved["sources"].items()}
                self.forms = {str(k): str(v) for k, v in saved.get("forms", {}).items()}
            except (OSError, ValueError, TypeError, KeyError, AttributeError):  # damaged: made again
                self.sites, self.sources, self.forms = None, {}, {}

    def keep_sites(self, sites: list[Site]) -> None:
        with self._lock:
            self.sites = list(sites)
            self._save()

    def keep_source(self, site_id: str, source: str) -> None:
        with self._lock:
            self.sources[site_id] = source
            self._save()

    def keep_forms(self, forms: dict[str, str]) -> None:
        with self._lock:
            self.forms.update(forms)
            self._save()

    def _save(self) -> None:
        if self.path is None or not trusted(self.path.parent, missing_ok=True):
            return
        sites = None if self.sites is None else [astuple(site) for site in self.sites]
        write_atomically(self.path, json.dumps({"sites": sites, "sources": self.sources,
                                                  "forms": self.forms}).encode())


def _kept(scenario: Scenario) -> _Kept:
    """What is kept for the scenario's reference as it reads now (a test may swap it)."""
    digest = hashlib.sha256(_tools_digest().encode() + scenario.reference_path.read_bytes()).hexdigest()[:16]
    return _kept_for(scenario.id, digest)


@cache
def _kept_for(scenario_id: str, digest: str) -> _Kept:
    """Under `process` isolation a candidate runs as this user and could write the cache
    folder: there, nothing is read from disk or written to it (as for the reference)."""
    if isolation.level() == isolation.PROCESS:
        return _Kept(None)
    return _Kept(cache_dir() / "mutants" / f"{scenario_id}-{digest}.json")


@cache
def _tools_digest() -> str:
    """The mutators' sources, this module's and libcst's version: what else decides a mutant."""
    files = sorted(Path(mutators.__file__).parent.rglob("*.py")) + [Path(__file__)]
    digest = hashlib.sha256(version("libcst").encode())
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()
