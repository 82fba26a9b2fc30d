"""`bughunt hint`: the next hint for the active variant, vaguest first."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


@click.command()
@workspace_option
@json_option
def hint(workspace: Path, as_json: bool) -> None:
    """Show one more hint (each one lowers the score a little)."""
    from rich.panel import Panel

    from bughunt.hints import hint_ladder
    from bughunt.progress import Progress
    from bughunt.workspace import Workspace

    space = Workspace(workspace)
    folder = space.active()
    ladder = hint_ladder(folder.scenario, folder.manifest, folder.served)
    progress = Progress(space.database)
    try:
        used = progress.get(folder.name).hints
    except KeyError:
        progress.served(folder.name, folder.manifest, "")
        used = 0
    if used >= len(ladder):
        text, number = "No more hints: `bughunt reveal` shows the answer (and scores 0).", used
    else:
        number = progress.hint(folder.name)
        text = ladder[number - 1]
    if as_json:
        emit_json({"hint": number, "of": len(ladder), "text": text})
        return
    console().print(Panel(text, title=f"hint {number} of {len(ladder)}", border_style="yellow"))
