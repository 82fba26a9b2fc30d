"""`bughunt play LEVEL`: serve a fresh buggy variant into a new workspace folder."""

from __future__ import annotations

import random
from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option
from bughunt.variants import difficulty as difficulties
from bughunt.variants.manifest import BUG


@click.command()
@click.argument("level")
@click.option("--bug", "bug", metavar="CLASS", help="Only this bug class (see `bughunt bugs`).")
@click.option("--classic", "classic", type=int, metavar="N",
              help="Level 04 only: classic bug N (1-10) exactly as the series documents it.")
@click.option("--weak", is_flag=True, help="A bug class you miss most (recent misses count more).")
@click.option("--bugs", type=click.IntRange(1, 2), default=1, show_default=True,
              help="Bugs in one round, of different classes on different lines.")
@click.option("--difficulty", type=click.Choice(difficulties.LEVELS), default=difficulties.DEFAULT, show_default=True,
              help="easy: the symptom names the function; hard: no comments or docstrings in the "
                   "buggy function, and only what a user would see.")
@click.option("--seed", type=int, help="Choose the variant reproducibly.")
@workspace_option
@json_option
def play(level: str, bug: str | None, classic: int | None, weak: bool, bugs: int, difficulty: str,
         seed: int | None, workspace: Path, as_json: bool) -> None:
    """Serve a buggy variant of LEVEL (level1, 03, l06, accumulation, ...).

    Level 04 is the classic series: `play 04` serves the first classic bug not fixed yet,
    `play 04 --classic N` bug N. `--weak` serves a bug class you miss most.
    """
    from bughunt import catalog
    from bughunt.errors import UsageError
    from bughunt.learner import serving
    from bughunt.learner.workspace import Workspace

    if (weak or classic is not None) and bugs != 1:
        raise UsageError(f"--bugs {bugs} draws its own bugs; drop " + ("--weak" if weak else f"--classic {classic}"))

    seed = random.randrange(2**31) if seed is None else seed
    pick = None
    if weak:
        if bug is not None or classic is not None:
            raise UsageError("--weak chooses the bug class itself; drop "
                             + (f"--bug {bug!r}" if bug is not None else f"--classic {classic}"))
        from bughunt.learner import mastery

        folder, variant, pick = mastery.serve_weak(Workspace(workspace), catalog.resolve(level), seed,
                                                   difficulty)
    elif classic is None:
        folder, variant = serving.serve_bug(Workspace(workspace), catalog.resolve(level), seed, bug,
                                            bugs=bugs, difficulty=difficulty)
    else:
        scenario = serving.classic(level, classic)
        if bug is not None:
            raise UsageError(f"--classic {classic} serves one documented bug; drop --bug {bug!r} "
                             "(or drop --classic to draw variants of that class)")
        folder, variant = serving.serve_classic(Workspace(workspace), scenario, seed)
    if as_json:
        emit_json({"folder": str(folder.path), "file": str(folder.file), "scenario": variant.scenario.id,
                   "seed": seed, "symptom": variant.symptom, "classic": folder.manifest.classic,
                   **({"series": list(variant.series)} if variant.series and difficulty != difficulties.HARD else {}),
                   **({"weak": {"bug_class": pick.bug_class, "why": pick.reason}} if pick else {})})
        return
    if pick:
        console().print(pick.reason)
    show_served(folder, variant.symptom, workspace, variant.series)


def show_served(folder, symptom: str | None, workspace: Path, series=()) -> None:
    """What a learner sees when work lands in their workspace."""
    from bughunt.cli import render

    scenario = folder.scenario
    out = console()
    bugs = len(folder.manifest.bugs) if folder.kind == BUG else 0
    what = f"{bugs} bugs" if bugs > 1 else folder.kind
    out.print(render.brief_panel(f"{scenario.title} · {what}", scenario.brief))
    if bugs > 1:
        out.print(f"[bold]{bugs} bugs[/bold] in this round, of different classes on different lines: "
                  "fix them all.")
    if symptom:
        out.print(render.symptom_panel(symptom))
        from bughunt.cli import plots

        render.print_pictures(out, plots.drawn(list(series), out, folder.manifest.difficulty))
    else:
        out.print("Implement every TODO; the docstrings say what each piece does and why.")
    if folder.manifest.classic:
        out.print(f"Classic bug {folder.manifest.classic}: run the script first and watch it fail: "
                  f"[bold]python {folder.file}[/bold]")
    suffix = f" --workspace {workspace}" if str(workspace) != "bughunt-work" else ""
    out.print(f"Your file: [bold]{folder.file}[/bold]\n"
              f"Then: [bold]bughunt submit{suffix}[/bold] (or [bold]bughunt watch{suffix}[/bold]). "
              f"Stuck? [bold]bughunt hint{suffix}[/bold]")
