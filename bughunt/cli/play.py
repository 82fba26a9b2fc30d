"""`bughunt play LEVEL`: serve a fresh buggy variant into a new workspace folder."""

from __future__ import annotations

import random
from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


@click.command()
@click.argument("level")
@click.option("--bug", "bug", metavar="CLASS", help="Only this bug class (see `bughunt bugs`).")
@click.option("--seed", type=int, help="Choose the variant reproducibly.")
@workspace_option
@json_option
def play(level: str, bug: str | None, seed: int | None, workspace: Path, as_json: bool) -> None:
    """Serve a buggy variant of LEVEL (level1, 03, l06, accumulation, ...)."""
    from bughunt import catalog, generator, render
    from bughunt.brief import brief_markdown
    from bughunt.errors import UsageError
    from bughunt.progress import Progress
    from bughunt.workspace import Workspace

    scenarios = catalog.resolve(level)
    space = Workspace(workspace)
    progress = Progress(space.database)
    seed = random.randrange(2**31) if seed is None else seed
    found = generator.generate(scenarios, 1, seed, bug=bug, exclude=progress.served_hashes())
    if not found:
        raise UsageError(f"every variant of {level!r} with these options has been played already; "
                         "try another level or --bug")
    variant = found[0]
    manifest = {**variant.manifest(variant.scenario.file_name), "kind": "bug"}
    folder = space.create(variant.id, variant.scenario, variant.source, manifest,
                          brief_markdown(variant.scenario, symptom=variant.symptom))
    progress.served(folder.name, manifest, generator.source_hash(variant.source))
    if as_json:
        emit_json({"folder": str(folder.path), "file": str(folder.file), "scenario": variant.scenario.id,
                   "seed": seed, "symptom": variant.symptom})
        return
    out = console()
    out.print(render.brief_panel(variant.scenario.title, variant.scenario.brief))
    out.print(render.symptom_panel(variant.symptom))
    out.print(f"Your file: [bold]{folder.file}[/bold]\n"
              "Fix it, then run [bold]bughunt submit[/bold]"
              + (f" --workspace {workspace}" if str(workspace) != "bughunt-work" else "")
              + ".  Stuck? [bold]bughunt hint[/bold]")
