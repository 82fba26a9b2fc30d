"""`bughunt progress`: every variant and challenge played in this workspace."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


@click.command()
@click.option("--by-class", "by_class", is_flag=True,
              help="Per bug class: rounds, solved, attempts, hints, reveals, median time to fix, first tries.")
@workspace_option
@json_option
def progress(by_class: bool, workspace: Path, as_json: bool) -> None:
    """The track level by level, then attempts, hints, time to fix and score per variant.

    With --by-class, the same record summed per bug class (`--json` adds a `by_class` list
    to the usual keys).
    """
    from bughunt.learner import mastery
    from bughunt.learner.progress import Progress, summary, track_summary
    from bughunt.learner.workspace import Workspace

    space = Workspace(workspace)
    standing_in = space.standing_in()
    if standing_in is not None:  # inside a variant folder: that folder's workspace
        space = standing_in.workspace
    record = Progress(space.database)
    records = record.records()
    classes = mastery.by_class(mastery.rounds(record)) if by_class else []
    if as_json:
        document = summary(records)
        emit_json({**document, "by_class": [c.as_json() for c in classes]} if by_class else document)
        return
    if by_class:
        console().print(_class_table(classes, space.root))
        return
    from rich import box
    from rich.table import Table

    # Laid out for 80 columns: names typed back (folders, ids) never wrap.
    overview = Table(title="The track, in the order to play it", box=box.SIMPLE_HEAD, pad_edge=False)
    overview.add_column("level", no_wrap=True)
    overview.add_column("title", ratio=1)
    for column in ("challenges\nsolved", "bugs\nfixed"):
        overview.add_column(column, justify="right", no_wrap=True)
    for row in track_summary(records):
        built = row["scenarios"] > 0
        overview.add_row(row["level"], row["title"],
                         f"{row['challenges_solved']}/{row['scenarios']}" if built else "[dim]not built[/dim]",
                         str(row["bugs_fixed"]) if built else "")
    console().print(overview)

    table = Table(title=f"Progress in {space.root}", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("folder", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("tries", "hints", "time to\nfix", "score"):
        table.add_column(column, justify="right", no_wrap=True)
    for r in records:
        status = "revealed" if r.revealed else ("[green]solved[/green]" if r.solved else "open")
        time_to_fix = _duration(r.seconds_to_fix) if r.solved else ""
        table.add_row(r.folder, status, str(r.attempts), str(r.hints), time_to_fix, _score(r))
    console().print(table)
    console().print(f"Total score: {sum(r.score or 0 for r in records)}")


def _score(record) -> str:
    """A revealed round scores 0 whether or not it was fixed afterwards; an open one has none yet."""
    if record.revealed:
        return "0"
    return "" if record.score is None else str(record.score)


BAR_WIDTH = 10


def _class_table(classes, root):
    """One row per bug class met, with a bar of its rounds: first try, solved later, missed."""
    from rich import box
    from rich.table import Table

    # The box's column divider is the one space between columns: no padding beside it.
    table = Table(title=f"Progress by bug class in {root}", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, padding=0,
                  caption="[green]█[/green] first try  [yellow]▓[/yellow] solved later  [red]░[/red] not solved")
    # Laid out for 80 columns: two-line headers no wider than their numbers need, none cut.
    table.add_column("bug class", no_wrap=True)
    for column in ("rounds", "solved", "first\ntry", "tries", "hints", "re-\nveals", "median\nfix"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True, min_width=BAR_WIDTH)
    for c in classes:
        table.add_row(c.bug_class, str(c.rounds), str(c.solved), f"{c.first_try_rate:.0%}", str(c.attempts),
                      str(c.hints), str(c.reveals), _duration(c.median_seconds_to_fix),
                      bar(c.first_try, c.solved, c.rounds))
    if not classes:
        table.caption = "no bug rounds yet: [bold]bughunt play LEVEL[/bold]"
    return table


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def bar(first_try: int, solved: int, rounds: int, width: int = BAR_WIDTH) -> str:
    """Rich markup: `width` cells split in proportion between first tries, later fixes and misses."""
    first_cells = round(width * first_try / rounds)
    solved_cells = round(width * solved / rounds)
    return (f"[green]{'█' * first_cells}[/green][yellow]{'▓' * (solved_cells - first_cells)}[/yellow]"
            f"[red]{'░' * (width - solved_cells)}[/red]")
