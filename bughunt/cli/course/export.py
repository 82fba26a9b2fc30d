"""`bughunt course export DIR --gradescope FILE.zip | --prairielearn OUTDIR`: the autograder bundles."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console
from bughunt.judge.verdict import DEFAULT_TIMEOUT


@click.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--gradescope", "gradescope_zip", type=click.Path(dir_okay=False, path_type=Path),
              help="Write Gradescope's autograder zip (setup.sh, run_autograder) here.")
@click.option("--prairielearn", "prairielearn_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write PrairieLearn's grader (Dockerfile, tests/run) into this new folder.")
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="CPU seconds a check may use on the platform's machine.")
@click.option("--wheel", "wheel_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A bughunt wheel to ship (default: built from this checkout).")
def export(folder: Path, gradescope_zip: Path | None, prairielearn_dir: Path | None, timeout: float,
           wheel_file: Path | None) -> None:
    """Bundle DIR's course for the autograder a course already runs.

    The bundle holds the secret seed and each student's scenario and hand-out (readable by
    root alone), never the fixed files. Students are found by their roster email or sid.
    """
    from bughunt.course import bundles, record
    from bughunt.errors import UsageError

    if (gradescope_zip is None) == (prairielearn_dir is None):
        raise UsageError("give exactly one of --gradescope FILE.zip and --prairielearn OUTDIR")
    course = record.read(folder)
    if gradescope_zip is not None:
        if gradescope_zip.suffix != ".zip":
            raise UsageError(f"--gradescope {str(gradescope_zip)!r} must end in .zip")
        written = bundles.gradescope(course, gradescope_zip, timeout=timeout, wheel_file=wheel_file)
        console().print(f"Gradescope autograder: {written} (upload it as the assignment's autograder zip)")
    else:
        written = bundles.prairielearn(course, prairielearn_dir, timeout=timeout, wheel_file=wheel_file)
        console().print(f"PrairieLearn grader: {written}/ (see its README.md)")
    console().print("[bold]The bundle holds the secret seed[/bold]: share it with the platform only.")
