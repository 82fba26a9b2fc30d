"""`bughunt analyze [LEVEL]`: which mutants the checks kill, which survive, how long it took."""

from __future__ import annotations

import click

from bughunt.cli._shared import console, emit_json, json_option


@click.command()
@click.argument("level", required=False)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Mutants checked at once (one forked process each).")
@json_option
def analyze(level: str | None, workers: int, as_json: bool) -> None:
    """Kill every mutant of LEVEL (default: all built levels). Exit 1 if any survives."""
    import sys

    from bughunt import analysis, catalog, render

    scenarios = catalog.resolve(level) if level else catalog.all_scenarios()
    report = analysis.analyze(scenarios, workers=workers)
    if as_json:
        emit_json(report.to_json())
    else:
        console().print(render.analysis(report))
    sys.exit(1 if report.problems else 0)
