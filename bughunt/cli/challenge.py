"""`bughunt challenge LEVEL|SCENARIO`: implement a reference piece yourself, from a stub."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


@click.command()
@click.argument("name", metavar="LEVEL|SCENARIO")
@click.option("--fresh", is_flag=True, help="Start a new stub even if one is open.")
@workspace_option
@json_option
def challenge(name: str, fresh: bool, workspace: Path, as_json: bool) -> None:
    """Write a stub (signatures and docstrings, no code) to implement; `submit` grades it."""
    from bughunt import catalog
    from bughunt.cli.play import show_served
    from bughunt.learner import serving
    from bughunt.learner.workspace import Workspace

    space = Workspace(workspace)
    scenario = serving.pick_challenge(space, catalog.resolve(name))
    folder, reopened = serving.serve_challenge(space, scenario, fresh=fresh)
    if as_json:
        emit_json({"folder": str(folder.path), "file": str(folder.file), "scenario": scenario.id,
                   "reopened": reopened})
        return
    if reopened:
        console().print("[yellow]Reopening your unfinished challenge[/yellow] (use --fresh for a new stub).")
    show_served(folder, None, workspace)
