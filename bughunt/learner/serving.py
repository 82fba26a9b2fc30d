"""Serving work into the workspace: bug variants, challenges, and what comes next.

`play`, `challenge`, `next` and `watch` all go through here, so a folder is always made the
same way: a new numbered folder, the progress database told, nothing overwritten.
"""

from __future__ import annotations

from dataclasses import replace

import mutators
from bughunt import catalog
from bughunt.catalog import Scenario
from bughunt.challenge import make_stub
from bughunt.errors import UsageError
from bughunt.judge import grader
from bughunt.learner.brief import brief_markdown
from bughunt.learner.progress import Progress
from bughunt.learner.workspace import VariantFolder, Workspace
from bughunt.variants import difficulty, generator, mutants
from bughunt.variants.manifest import CHALLENGE, Manifest


def serve_bug(space: Workspace, scenarios: tuple[Scenario, ...], seed: int,
              bug: str | None = None, *, bugs: int = 1,
              difficulty: str = difficulty.DEFAULT) -> tuple[VariantFolder, generator.Variant]:
    """A fresh killed variant of one of `scenarios`: bugs the learner has not met come first;
    once all are met, they come back in a disguise not served before. When every one of
    the scenarios is a classic of the series and nothing else is asked for, the first classic
    not solved yet is served as the series documents it. Of several scenarios (a level, a
    stage) with no bug class asked for, the first in the roadmap's order with no bug fixed
    yet is served: `play level1` starts at level 01, with classic bugs 1–6 after 03."""
    if bug is None and bugs == 1 and scenarios and all(s.classic is not None for s in scenarios):
        unsolved = next_classic(space, scenarios)
        if unsolved is not None:
            return serve_classic(space, unsolved, seed)
    if bug is None and len(scenarios) > 1:
        fixed = solved_scenarios(space)["bug"]
        for scenario in catalog.in_track_order(s for s in scenarios if s.id not in fixed):
            try:
                return serve_bug(space, (scenario,), seed, bugs=bugs, difficulty=difficulty)
            except UsageError:  # nothing fresh left there (or too few classes for --bugs 2)
                continue
    progress = Progress(space.database)
    played = frozenset((r.scenario, r.site) for r in progress.records())
    found = generator.generate(scenarios, 1, seed, bug=bug, bugs=bugs, difficulty=difficulty,
                               exclude=progress.served_hashes(), played=played)
    if not found:
        names = ", ".join(s.id for s in scenarios)
        raise UsageError(f"no fresh variant of {names} with these options is left; try another level or --bug")
    return _place(space, found[0])


def _place(space: Workspace, variant: generator.Variant,
           classic: int | None = None) -> tuple[VariantFolder, generator.Variant]:
    manifest = replace(variant.manifest(variant.scenario.file_name), classic=classic)
    folder = space.create(variant.id, variant.scenario, variant.source, manifest,
                          brief_markdown(variant.scenario, symptom=variant.symptom, bugs=len(variant.sites)))
    Progress(space.database).served(folder.name, manifest, variant.digest)
    return folder, variant


def classics() -> tuple[Scenario, ...]:
    """The classic series, in its own numbering."""
    return tuple(sorted((s for s in catalog.all_scenarios() if s.classic is not None), key=lambda s: s.classic))


def classic(level_name: str, number: int) -> Scenario:
    """Classic bug `number`, asked for as `play LEVEL --classic N`: LEVEL must name level 04."""
    series = classics()
    numbers = [s.classic for s in series]
    if number not in numbers:
        raise UsageError(f"--classic {number} is not in the classic series; "
                         f"choose from: {', '.join(map(str, numbers))}")
    level = series[0].level  # the series is one level's
    if set(catalog.resolve(level_name)) != set(catalog.scenarios_of(level)):
        names = ", ".join(sorted({level.number, f"l{level.number}", level.topic, level.package}))
        raise UsageError(f"--classic belongs to level {level.number}, the classic series, not {level_name!r}; "
                         f"choose from: {names}")
    return next(s for s in series if s.classic == number)


def next_classic(space: Workspace, scenarios: tuple[Scenario, ...]) -> Scenario | None:
    """The lowest-numbered of `scenarios` whose documented bug the learner has not fixed yet."""
    fixed = {(r.scenario, r.site) for r in Progress(space.database).records() if r.solved}
    ordered = sorted((s for s in scenarios if s.classic is not None), key=lambda s: s.classic)
    return next((s for s in ordered if (s.id, s.classic_site) not in fixed), None)


def serve_classic(space: Workspace, scenario: Scenario, seed: int = 0) -> tuple[VariantFolder, generator.Variant]:
    """Classic bug `scenario.classic` exactly as the series documents it: the mutant at the
    scenario's `[classic]` site, with the symptom its checks report. It may be served again."""
    site = mutators.parse_site(scenario.classic_site)
    mutant = mutants.make(scenario, site)
    with grader.Pool([scenario.id]) as pool:
        failure = pool.grade(mutant.kill_job()).first_failure
    if failure is None:
        raise RuntimeError(f"classic bug {scenario.classic} ({mutant.id}) passes every check")
    digest = generator.source_hash(mutant.source)
    variant = generator.Variant(f"{scenario.module_name}-{digest[:6]}", scenario, site, seed, mutant.source,
                                digest, difficulty.symptom(failure), failure.name,
                                series=tuple(failure.series))
    return _place(space, variant, scenario.classic)


def open_challenge(space: Workspace, scenario: Scenario) -> VariantFolder | None:
    """The learner's unsolved challenge folder for `scenario`, if there is one."""
    progress = Progress(space.database)
    solved = {r.folder for r in progress.records() if r.solved}
    for folder in reversed(space.folders()):
        if folder.kind == CHALLENGE and folder.manifest.scenario == scenario.id and folder.name not in solved:
            return folder
    return None


def serve_challenge(space: Workspace, scenario: Scenario, fresh: bool = False) -> tuple[VariantFolder, bool]:
    """A stub to implement; an unsolved one already in the workspace is reopened, not replaced.

    Returns the folder and whether it was reopened."""
    existing = None if fresh else open_challenge(space, scenario)
    if existing is not None:
        space.set_active(existing)
        return existing, True
    source = make_stub(scenario.reference_path.read_text(encoding="utf-8"))
    manifest = Manifest(scenario.id, kind=CHALLENGE, variant=f"challenge-{scenario.module_name}")
    folder = space.create(f"challenge-{scenario.module_name}", scenario, source, manifest,
                          brief_markdown(scenario, challenge=True))
    Progress(space.database).served(folder.name, manifest, "")
    return folder, False


def pick_challenge(space: Workspace, scenarios: tuple[Scenario, ...]) -> Scenario:
    """The first of `scenarios` whose challenge is not solved yet (else the first)."""
    done = solved_scenarios(space)["challenge"]
    return next((s for s in scenarios if s.id not in done), scenarios[0])


def solved_scenarios(space: Workspace) -> dict[str, set[str]]:
    """Per kind ("challenge", "bug"), the scenarios solved at least once."""
    solved: dict[str, set[str]] = {"challenge": set(), "bug": set()}
    for record in Progress(space.database).records():
        if record.solved:
            solved.setdefault(record.kind, set()).add(record.scenario)
    return solved


def track() -> tuple[Scenario, ...]:
    """Every scenario in the roadmap's order (`scenarios/track.toml`)."""
    return catalog.in_track_order(catalog.all_scenarios())


def next_step(space: Workspace) -> tuple[str, Scenario] | None:
    """The roadmap's next piece of work: each scenario's challenge, then one of its bugs
    (a classic of the series is a bug to find, with no challenge before it)."""
    solved = solved_scenarios(space)
    challenges, bugs = solved["challenge"], solved["bug"]
    for scenario in track():
        if scenario.classic is None and scenario.id not in challenges:
            return "challenge", scenario
        if scenario.id not in bugs:
            return "bug", scenario
    return None
