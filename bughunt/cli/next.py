"""`bughunt next`: start the roadmap's next unsolved challenge or bug."""

from __future__ import annotations

import random
from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option
from bughunt.variants.manifest import CHALLENGE


@click.command(name="next")
@workspace_option
@json_option
def next_(workspace: Path, as_json: bool) -> None:
    """Serve the next piece of the core track: 01 → 02 → 03 → 04 → 05 → 07 → 08, then 06 and the rest."""
    from bughunt.cli.play import show_served
    from bughunt.learner import serving
    from bughunt.learner.workspace import Workspace

    space = Workspace(workspace)
    step = serving.next_step(space)
    if step is None:
        if as_json:
            emit_json({"done": True})
        else:
            console().print("[bold green]Every challenge and bug of the built track is solved.[/bold green]")
        return
    kind, scenario = step
    if kind == CHALLENGE:
        folder, _ = serving.serve_challenge(space, scenario)
        symptom = None
    else:
        folder, variant = serving.serve_bug(space, (scenario,), random.randrange(2**31))
        symptom = variant.symptom
    if as_json:
        emit_json({"done": False, "kind": kind, "scenario": scenario.id, "folder": str(folder.path),
                   "file": str(folder.file)})
        return
    show_served(folder, symptom, workspace)
