"""`bughunt progress`: every variant and challenge played in this workspace."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


@click.command()
@workspace_option
@json_option
def progress(workspace: Path, as_json: bool) -> None:
    """The track level by level, then attempts, hints, time to fix and score per variant."""
    from bughunt.progress import Progress
    from bughunt.workspace import Workspace

    space = Workspace(workspace)
    standing_in = space.standing_in()
    if standing_in is not None:  # inside a variant folder: that folder's workspace
        space = standing_in.workspace
    records = Progress(space.database).records()
    track = _track(records)
    if as_json:
        emit_json({"track": track,
                   "records": [{**r.__dict__, "solved": r.solved, "seconds_to_fix": r.seconds_to_fix}
                               for r in records],
                   "total_score": sum(r.score or 0 for r in records)})
        return
    from rich.table import Table

    overview = Table(title="The track (core order: 01 02 03 04 05 07 08, then 06 and electives)", expand=True)
    for column in ("level", "title", "challenges solved", "bugs fixed"):
        overview.add_column(column)
    for row in track:
        built = row["scenarios"] > 0
        overview.add_row(row["level"], row["title"],
                         f"{row['challenges_solved']}/{row['scenarios']}" if built else "[dim]not built[/dim]",
                         str(row["bugs_fixed"]) if built else "")
    console().print(overview)

    table = Table(title=f"Progress in {space.root}", expand=True)
    for column in ("folder", "scenario", "status", "attempts", "hints", "time to fix", "score"):
        table.add_column(column, overflow="fold")
    for r in records:
        status = "revealed" if r.revealed else ("[green]solved[/green]" if r.solved else "open")
        time_to_fix = f"{r.seconds_to_fix / 60:.1f} min" if r.solved else ""
        table.add_row(r.folder, r.scenario, status, str(r.attempts), str(r.hints), time_to_fix,
                      "" if r.score is None else str(r.score))
    console().print(table)
    console().print(f"Total score: {sum(r.score or 0 for r in records)}")


def _track(records) -> list[dict]:
    from bughunt import catalog

    rows = []
    for number in catalog.TRACK_ORDER:
        level = catalog.level(number)
        ids = {s.id for s in catalog.scenarios_of(level)}
        solved = [r for r in records if r.solved and r.scenario in ids]
        rows.append({"level": number, "title": level.title, "scenarios": len(ids),
                     "challenges_solved": len({r.scenario for r in solved if r.kind == "challenge"}),
                     "bugs_fixed": sum(r.kind == "bug" for r in solved)})
    return rows
