"""`bughunt challenges`: every challenge of the track and where the learner stands on it."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


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
    for number in catalog.TRACK_ORDER:
        for scenario in catalog.scenarios_of(catalog.level(number)):
            mine = [r for r in records if r.kind == "challenge" and r.scenario == scenario.id]
            status = ("solved" if any(r.solved for r in mine)
                      else "in progress" if mine else "not started")
            rows.append({"scenario": scenario.id, "title": scenario.title, "status": status,
                         "attempts": sum(r.attempts for r in mine)})
    if as_json:
        emit_json({"challenges": rows})
        return
    from rich.table import Table

    table = Table(title="Challenges (track order)", expand=True)
    for column in ("scenario", "title", "status", "attempts"):
        table.add_column(column, overflow="fold")
    style = {"solved": "green", "in progress": "yellow", "not started": "dim"}
    for row in rows:
        table.add_row(row["scenario"], row["title"], f"[{style[row['status']]}]{row['status']}[/]",
                      str(row["attempts"]))
    console().print(table)
