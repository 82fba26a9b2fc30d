"""`bughunt course grade DIR SUBMISSIONS`: every student's file graded into grades.csv."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option
from bughunt.judge.verdict import DEFAULT_TIMEOUT


@click.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("submitted", metavar="SUBMISSIONS", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The gradebook (default: DIR/grades.csv; a shard's: DIR/grades-I-of-N.csv).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Submissions graded at once (about one per core).")
@click.option("--shard", metavar="I/N", help="Grade only every N-th student from the I-th (1..N); "
              "`course merge` joins the shards.")
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="CPU seconds per check before the file counts as hung.")
@json_option
def grade(folder: Path, submitted: Path, out: Path | None, workers: int, shard: str | None, timeout: float,
          as_json: bool) -> None:
    """Grade SUBMISSIONS (`<id>/`, `<id>.py` or `<id>_*.py`) against each student's variant.

    One row per roster id: passed, failed, missing or error. Feedback a student may see goes
    to DIR/feedback/<id>.md. Results are kept by submission hash: run it again after an
    interruption or a late submission and only what changed is graded.
    """
    from bughunt.course import batch, gradebook, record
    from bughunt.errors import UsageError

    course = record.read(folder)
    if not submitted.is_dir():
        raise UsageError(f"no such submissions folder: {str(submitted)!r}")
    sliced = batch.parse_shard(shard) if shard else None
    total = len(batch.sliced(course.roster.ids, sliced))
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[last]}"), console=Console(stderr=True), transient=as_json)
    with bar:
        task = bar.add_task("grading", total=total, last="")
        rows = batch.grade(course, folder, submitted, workers=workers, timeout=timeout, shard=sliced,
                           on_row=lambda row: bar.update(task, advance=1, last=f"{row.id} {row.status}"))
    if out is None:
        out = folder / (f"grades-{sliced[0]}-of-{sliced[1]}.csv" if sliced else "grades.csv")
    gradebook.write(rows, course.roster, out)
    counts = Counter(row.status for row in rows)
    if as_json:
        emit_json({"grades": str(out), "counts": dict(counts), "shard": shard,
                   "rows": [{**{c: getattr(r, c) for c in gradebook.COLUMNS}, "isolation": r.isolation,
                             "note": r.note} for r in rows]})
    else:
        copied = [r for r in rows if r.copied_from]
        console().print(f"{len(rows)} students: " + ", ".join(f"{counts[s]} {s}" for s in gradebook.STATUSES))
        for row in copied:
            console().print(f"[yellow]{row.id}'s file was made from the hand-out of {row.copied_from}[/yellow]")
        console().print(f"Grades in {out}; what each student may see in {folder / batch.FEEDBACK}/.")
