"""`bughunt submit [FILE]`: grade the active variant (or FILE's) and record the attempt."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, exit_with, json_option, workspace_option
from bughunt.judge.verdict import DEFAULT_TIMEOUT
from bughunt.learner.workspace import unified
from bughunt.variants.manifest import BUG


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@workspace_option
@json_option
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="CPU seconds per check before your code counts as hung.")
def submit(file: Path | None, workspace: Path, as_json: bool, timeout: float) -> None:
    """Run the checks on your file. Exit 0 when every check passes."""
    from bughunt.judge import grading
    from bughunt.learner.progress import Progress
    from bughunt.learner.workspace import Workspace

    folder, path = Workspace(workspace).locate(file)
    source = grading.read_candidate(path)
    progress = Progress(folder.workspace.database)
    progress.require_writable()
    progress.ensure(folder.name, folder.manifest)
    verdict = grading.grade_source(folder.scenario, source, str(path), timeout=timeout,
                                   hidden=(folder.workspace.root,))
    record = progress.attempt(folder.name, verdict.passed,
                              [o.name for o in verdict.outcomes if not o.passed])
    if as_json:
        emit_json({**verdict.to_json(), "variant": folder.name, "solved": record.solved,
                   "attempts": record.attempts, "score": record.score,
                   **({} if verdict.passed else {"bugs_left": _bugs_left(folder, source)})})
        exit_with(verdict.passed)
    _show(folder, source, verdict, record)
    exit_with(verdict.passed)


def _show(folder, source: str, verdict, record) -> None:
    from bughunt.cli import render

    out = console()
    out.print(render.verdict(verdict, f"{folder.scenario.id} · attempt {record.attempts}"))
    if not verdict.passed:
        render.print_pictures(out, render.verdict_pictures(verdict, out, folder.manifest.difficulty))
        left = _bugs_left(folder, source)
        if left:
            out.print(f"{left} of the {len(folder.manifest.bugs)} bugs in this round "
                      f"{'is' if left == 1 else 'are'} still there.")
        out.print("Not yet. `bughunt hint` for a nudge; `bughunt watch` re-checks on every save.")
        return
    show_solved(out, folder, source, record)


def show_solved(out, folder, source: str, record) -> None:
    """What a fix earns, in `submit` and in `watch` alike: your change, the reference fix,
    each bug's lesson, and the score."""
    from rich.panel import Panel

    from bughunt.cli import render

    out.print(render.diff(unified(folder.served, source, "served", "yours"), "your change"))
    if folder.kind == BUG:
        from bughunt import bug_classes
        from bughunt.variants import dressing  # the fix in the round's disguise: libcst, once solved

        fixed = dressing.fixed_text(folder.scenario, folder.manifest)
        out.print(render.diff(unified(folder.served, fixed, "served", "fixed"), "the reference fix"))
        for bug in folder.manifest.bugs:
            found = bug_classes.by_id(bug.bug_class)
            out.print(Panel(found.lesson, title=f"lesson: {found.id} — {found.title}", border_style="green"))
    out.print(f"[bold green]Solved[/bold green] in {record.attempts} attempt(s), {record.hints} hint(s): "
              f"score {record.score}.")


def _bugs_left(folder, source: str) -> int | None:
    """In a round with several bugs, how many are still in `source` (None with one bug).
    Only a round with several needs the mutants again, and so libcst."""
    if folder.kind != BUG or len(folder.manifest.bugs) < 2:
        return None
    from bughunt.variants import dressing

    return dressing.bugs_left(folder.scenario, folder.manifest, source)
