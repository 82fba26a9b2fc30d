"""`bughunt reveal`: the answer, once the learner has tried at least once."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option
from bughunt.variants.manifest import BUG


@click.command()
@workspace_option
@json_option
def reveal(workspace: Path, as_json: bool) -> None:
    """Show the fix (or the reference, for a challenge) and the lesson. Scores the variant 0."""
    import mutators
    from bughunt.errors import UsageError
    from bughunt.learner.progress import Progress
    from bughunt.learner.workspace import Workspace, unified

    folder = Workspace(workspace).current()
    progress = Progress(folder.workspace.database)
    if progress.ensure(folder.name, folder.manifest).attempts == 0:
        raise UsageError("submit at least one attempt before revealing the answer (`bughunt submit`)")
    progress.reveal(folder.name)
    from bughunt.variants import dressing

    fixed = dressing.fixed_text(folder.scenario, folder.manifest)
    bug = folder.kind == BUG
    answer = unified(folder.served, fixed, "served", "fixed") if bug else fixed
    lesson = "\n\n".join(mutators.by_id(b.bug_class).LESSON for b in folder.manifest.bugs) if bug else ""
    if as_json:
        emit_json({"variant": folder.name, "kind": folder.kind, "answer": answer, "lesson": lesson,
                   "bug_class": folder.manifest.bug_class, "site": folder.manifest.site})
        return
    from rich.panel import Panel
    from rich.syntax import Syntax

    from bughunt.cli import render

    out = console()
    if bug:
        out.print(render.diff(answer, f"the fix ({folder.manifest.bug_class})"))
        out.print(Panel(lesson, title="lesson", border_style="green"))
    else:
        out.print(Panel(Syntax(answer, "python", theme="ansi_dark"), title=str(folder.scenario.reference_path)))
