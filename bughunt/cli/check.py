"""`bughunt check SCENARIO FILE`: grade any file against a scenario's checks (autograder)."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, exit_with, json_option


@click.command()
@click.argument("scenario_name", metavar="SCENARIO")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the checks train; cuda also runs the real device-mismatch errors.")
@click.option("--seed", type=int, default=0, show_default=True, help="Hypothesis seed for the checks.")
@click.option("--timeout", type=click.FloatRange(min=1), default=20.0, show_default=True,
              help="Seconds before the candidate counts as hung.")
def check(scenario_name: str, file: Path, as_json: bool, device: str, seed: int, timeout: float) -> None:
    """Run SCENARIO's checks on FILE. Exit 0 if all pass, 1 if any fails."""
    from bughunt.cli import render
    from bughunt.judge import grading

    scenario, verdict = grading.grade_file(scenario_name, file, device=device, seed=seed, timeout=timeout)
    if as_json:
        emit_json(verdict.to_json())
    else:
        console().print(render.verdict(verdict, f"{scenario.id} · {file}"))
    exit_with(verdict.passed)
