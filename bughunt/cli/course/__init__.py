"""`bughunt course`: the instructor's workflow, roster to grades (one subcommand per module)."""

from __future__ import annotations

import click

from bughunt.cli.course.export import export
from bughunt.cli.course.grade import grade
from bughunt.cli.course.merge import merge
from bughunt.cli.course.new import new


@click.group()
def course() -> None:
    """A variant per student, graded in a batch or on Gradescope / PrairieLearn.

    \b
    bughunt course new level3 --roster roster.csv --out course/
    bughunt course grade course/ submissions/            → course/grades.csv
    bughunt course export course/ --gradescope autograder.zip

    course/course.json holds the answer key and the secret seed: never hand it out.
    """


for command in (new, grade, merge, export):
    course.add_command(command)
