"""`bughunt check SCENARIO FILE`: grade any file against a scenario's checks (autograder).

This is the command for grading someone else's code, so it fails closed: without working
bubblewrap it refuses to run unless the instructor accepts `--isolation process` knowingly.
The seed may come from `BUGHUNT_SEED`, so a secret one need not sit in a script students read.
"""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, exit_with, json_option
from bughunt.judge.verdict import DEFAULT_TIMEOUT


@click.command()
@click.argument("scenario_name", metavar="SCENARIO")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the checks train; cuda also runs the real device-mismatch errors.")
@click.option("--seed", type=int, default=0, envvar="BUGHUNT_SEED", show_default=True, show_envvar=True,
              help="The instructor's secret: changes the drawn examples and the seeds of the explicit ones.")
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="CPU seconds per check before the candidate counts as hung.")
@click.option("--isolation", "accepted", type=click.Choice(["namespaces", "process"]), default="namespaces",
              show_default=True,
              help="The weakest isolation you accept: 'process' grades without bubblewrap, where the "
                   "file can read the reference and your files (see the README).")
def check(scenario_name: str, file: Path, as_json: bool, device: str, seed: int, timeout: float,
          accepted: str) -> None:
    """Run SCENARIO's checks on FILE. Exit 0 if all pass, 1 if any fails."""
    from bughunt.errors import UsageError
    from bughunt.judge import grading
    from bughunt.runner import isolation

    try:
        isolation.require(accepted)
    except isolation.IsolationUnavailable as error:
        raise UsageError(str(error)) from None
    scenario, verdict = grading.grade_file(scenario_name, file, device=device, seed=seed, timeout=timeout)
    if as_json:
        emit_json(verdict.to_json())
    else:
        from bughunt.cli import render

        console().print(render.verdict(verdict, f"{scenario.id} · {file}"))
    exit_with(verdict.passed)
