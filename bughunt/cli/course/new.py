"""`bughunt course new LEVEL --roster ROSTER.csv --out DIR`: a certified variant per student."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import click

from bughunt.cli._shared import console


@click.command()
@click.argument("level")
@click.option("--roster", "roster_path", required=True, type=click.Path(path_type=Path),
              help="CSV with an `id` column; other columns (email, sid, ...) are kept.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The course folder: handouts/, course.json (private), later grades.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1),
              help="The secret seed: same roster and seed, same course (default: random, recorded).")
@click.option("--bugs", type=click.IntRange(1, 2), default=1, show_default=True,
              help="Bugs in each hand-out, of different classes on different lines.")
@click.option("--difficulty", type=click.Choice(("easy", "normal", "hard")), default="normal",
              show_default=True, help="What the symptom and the comments give away.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
def new(level: str, roster_path: Path, out: Path, seed: int | None, bugs: int, difficulty: str,
        workers: int) -> None:
    """One certified variant of LEVEL per student of ROSTER, balanced and disguised.

    Scenario counts differ by at most one; within a scenario no two students share a bug
    site before every site is used; every hand-out is disguised with its own camouflage
    seed, which is also its fingerprint when a file is handed in by someone else.
    """
    from bughunt import catalog
    from bughunt.course import handouts, record, roster

    students = roster.read(roster_path)
    catalog.resolve(level)  # an unknown level is a usage error before any work
    if (out / record.FILE).exists():
        previous = record.read(out)
        if seed is None:
            seed = previous.seed  # the same course again, not a new secret over old hand-outs
    secret = random.randrange(2**31) if seed is None else seed
    with console().status(f"making {len(students.rows)} hand-outs of {level}") as status:
        course = handouts.make(students, level, secret, bugs=bugs, difficulty=difficulty, workers=workers,
                               progress=lambda message: status.update(message))
    handouts.write(course, out)
    by_scenario = Counter(s.scenario for s in course.students.values())
    sites = len({(s.scenario, s.site) for s in course.students.values()})
    from rich.table import Table

    table = Table(title=f"{len(course.students)} students, {level}, {sites} distinct bug sites")
    for column in ("scenario", "students", "bug classes"):
        table.add_column(column)
    for scenario_id, count in sorted(by_scenario.items()):
        classes = Counter(s.bug_class for s in course.students.values() if s.scenario == scenario_id)
        table.add_row(scenario_id, str(count), ", ".join(f"{c} {n}" for c, n in sorted(classes.items())))
    console().print(table)
    console().print(f"Hand-outs under {out / handouts.FOLDER}/ (one folder per student).")
    console().print(f"[bold]{out / record.FILE} is private[/bold]: the answer key and the secret seed {secret}.")
