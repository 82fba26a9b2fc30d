"""`bughunt course merge DIR`: the shards of `course grade --shard I/N` joined into grades.csv."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console


@click.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: DIR/grades.csv.")
def merge(folder: Path, out: Path | None) -> None:
    """Join every shard of one split into one gradebook, a row per roster id."""
    from bughunt.course import batch, gradebook, record

    course = record.read(folder)
    rows = batch.merged(course, folder)
    out = out or folder / "grades.csv"
    gradebook.write(rows, course.roster, out)
    console().print(f"{len(rows)} rows in {out}")
