"""Serving work into the workspace: bug variants, challenges, and what comes next.

`play`, `challenge`, `next` and `watch` all go through here, so a folder is always made the
same way: a new numbered folder, the progress database told, nothing overwritten.
"""

from __future__ import annotations

from bughunt import catalog, generator
from bughunt.brief import brief_markdown
from bughunt.catalog import Scenario
from bughunt.challenge import make_stub
from bughunt.errors import UsageError
from bughunt.progress import Progress
from bughunt.workspace import VariantFolder, Workspace


def serve_bug(space: Workspace, scenarios: tuple[Scenario, ...], seed: int,
              bug: str | None = None) -> tuple[VariantFolder, generator.Variant]:
    progress = Progress(space.database)
    found = generator.generate(scenarios, 1, seed, bug=bug, exclude=progress.served_hashes())
    if not found:
        names = ", ".join(s.id for s in scenarios)
        raise UsageError(f"every variant of {names} with these options has been played; try another level or --bug")
    variant = found[0]
    manifest = {**variant.manifest(variant.scenario.file_name), "kind": "bug"}
    folder = space.create(variant.id, variant.scenario, variant.source, manifest,
                          brief_markdown(variant.scenario, symptom=variant.symptom))
    progress.served(folder.name, manifest, variant.digest)
    return folder, variant


def open_challenge(space: Workspace, scenario: Scenario) -> VariantFolder | None:
    """The learner's unsolved challenge folder for `scenario`, if there is one."""
    progress = Progress(space.database)
    solved = {r.folder for r in progress.records() if r.solved}
    for folder in reversed(space.folders()):
        if folder.kind == "challenge" and folder.manifest["scenario"] == scenario.id and folder.name not in solved:
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
    manifest = {"variant": f"challenge-{scenario.module_name}", "scenario": scenario.id, "kind": "challenge"}
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


def next_step(space: Workspace) -> tuple[str, Scenario] | None:
    """The roadmap's next piece of work: each scenario's challenge, then one of its bugs."""
    solved = solved_scenarios(space)
    challenges, bugs = solved["challenge"], solved["bug"]
    for number in catalog.TRACK_ORDER:
        for scenario in catalog.scenarios_of(catalog.level(number)):
            if scenario.id not in challenges:
                return "challenge", scenario
            if scenario.id not in bugs:
                return "bug", scenario
    return None
