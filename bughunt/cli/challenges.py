"""`bughunt challenges`: every challenge of the track and where the learner stands on it."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option
from bughunt.variants.manifest import CHALLENGE


@click.command()
@workspace_option
@json_option
def challenges(workspace: Path, as_json: bool) -> None:
    """List the challenges in track order with their status."""
    from bughunt import catalog
    from bughunt.learner.progress import Progress
    from bughunt.learner.workspace import Workspace

    records = Progress(Workspace(workspace).database).records()
    rows = []
    for scenario in catalog.in_track_order(catalog.all_scenarios()):
        mine = [r for r in records if r.kind == CHALLENGE and r.scenario == scenario.id]
        status = ("solved" if any(r.solved for r in mine)
                  else "in progress" if mine else "not started")
        rows.append({"scenario": scenario.id, "title": scenario.title, "status": status,
                     "attempts": sum(r.attempts for r in mine)})
    if as_json:
        emit_json({"challenges": rows})
        return
    from rich import box
    from rich.table import Table

    table = Table(title="Challenges (track order)", box=box.SIMPLE_HEAD, pad_edge=False,
                  caption="bughunt challenge SCENARIO")
    # Laid out for 80 columns: the id (typed back) never wraps; the title goes under it.
    table.add_column("scenario", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("tries", justify="right", no_wrap=True)
    style = {"solved": "green", "in progress": "yellow", "not started": "dim"}
    for row in rows:
        table.add_row(f"{row['scenario']}\n[dim]{row['title']}[/dim]", f"[{style[row['status']]}]{row['status']}[/]",
                      str(row["attempts"]))
    console().print(table)
