"""`bughunt analyze [LEVEL]`: which mutants the checks kill, which survive, how long it took."""

from __future__ import annotations

import sys

import click

from bughunt.cli._shared import console, emit_json, json_option


@click.command()
@click.argument("level", required=False)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Mutants checked at once (one forked process each).")
@json_option
def analyze(level: str | None, workers: int, as_json: bool) -> None:
    """Kill every mutant of LEVEL (default: all built levels) on two check seeds, and show
    the kill matrix. Exit 1 if a mutant survives or a kill depends on the seed."""
    from bughunt import catalog
    from bughunt.cli import render
    from bughunt.variants import analysis

    scenarios = catalog.resolve(level) if level else catalog.all_scenarios()
    if as_json:
        report = analysis.analyze(scenarios, workers=workers)
    else:
        report = _with_progress_bar(lambda tell: analysis.analyze(scenarios, workers=workers, progress=tell))
    if as_json:
        emit_json(report.to_json())
    else:
        console().print(render.analysis(report))
    sys.exit(1 if report.problems else 0)


def _with_progress_bar(work):
    """Run `work(tell)` under a progress bar on stderr (stdout keeps only the report)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Redrawn at each tick, by no thread of its own: a first run forks the mutants' makers,
    # which it does only while this process runs no other thread.
    with Progress(*columns, console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        task = bar.add_task("analyze", total=None)
        bar.refresh()
        return work(lambda done, total: bar.update(task, completed=done, total=total, refresh=True))
