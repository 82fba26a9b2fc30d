"""`bughunt watch`: re-run the checks every time the active file is saved.

Single keys while watching: h hint, n next piece of the track, r reset (asks first, keeps a
backup), q quit. A file that does not parse, crashes or loops forever is just a verdict:
the judge reports it and watching goes on. A warm runner (torch and the checks already
imported) stays up while watching, so a re-check costs only the checks themselves.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import sys
import termios
import time
import tty
from pathlib import Path

import click

from bughunt.cli._shared import console, workspace_option
from bughunt.judge.verdict import DEFAULT_TIMEOUT
from bughunt.variants.manifest import CHALLENGE

KEYS = "[bold]h[/bold] hint · [bold]n[/bold] next · [bold]r[/bold] reset · [bold]q[/bold] quit"


@contextlib.contextmanager
def _single_keys():
    """Keys arrive one at a time, unechoed, when stdin is a terminal."""
    if not sys.stdin.isatty():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_key(timeout: float) -> str | None:
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    if not ready:
        return None
    key = os.read(sys.stdin.fileno(), 1).decode(errors="ignore")
    return key if key else "q"  # end of input: nothing more will come


@click.command()
@workspace_option
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="CPU seconds per check before your code counts as hung.")
@click.option("--poll", is_flag=True, help="Poll the file instead of using filesystem events.")
def watch(workspace: Path, timeout: float, poll: bool) -> None:
    """Watch the active variant or challenge and re-check it on every save."""
    from bughunt.learner.watching import FileWatcher
    from bughunt.learner.workspace import Workspace

    folder = Workspace(workspace).current()
    session = _Session(folder.workspace, folder, timeout)
    watcher = FileWatcher(session.folder.file, poll=poll or None).start()
    try:
        with _single_keys():
            session.check(attempt=False)  # the served file as it is: not the learner's attempt
            while True:
                key = _read_key(0.2)
                if key in ("q", "Q", "\x04"):
                    break
                if key in ("h", "H"):
                    session.hint()
                elif key in ("r", "R") and session.reset():
                    time.sleep(0.3)  # our own write is not the learner's save
                    _drain(watcher)
                    session.check(attempt=False)
                elif key in ("n", "N"):
                    session.next()
                    watcher.retarget(session.folder.file)
                if _drain(watcher):
                    session.check()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        if session.pool is not None:
            session.pool.close()
    console().print("Stopped watching.")


def _drain(watcher) -> bool:
    """Take every pending change; whether there was any."""
    changed = False
    while not watcher.changes.empty():
        watcher.changes.get_nowait()
        changed = True
    return changed


class _Session:
    def __init__(self, space, folder, timeout: float) -> None:
        self.space, self.folder, self.timeout = space, folder, timeout
        self.out = console()
        self.pool = None  # warm runners for the scenario being watched

    def _header(self) -> None:
        self.out.clear()
        self.out.rule(f"watching {self.folder.file}")
        self.out.print(KEYS)

    def check(self, attempt: bool = True) -> None:
        """Check the file; only a save by the learner counts as an attempt."""
        from bughunt.cli import render
        from bughunt.judge import grader, grading
        from bughunt.learner.progress import Progress

        self._header()
        self.out.print("[dim]checking…[/dim]")
        scenario_id = self.folder.scenario.id
        if self.pool is None or self.pool.scenario_ids != [scenario_id]:
            if self.pool is not None:
                self.pool.close()
            self.pool = grader.Pool([scenario_id], hidden=[self.space.root])
        try:
            source = self.folder.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self._header()
            self.out.print(f"[red]cannot read the file:[/red] {error}")
            return
        verdict = grading.grade_source(self.folder.scenario, source, str(self.folder.file),
                                       timeout=self.timeout, pool=self.pool)
        progress = Progress(self.space.database)
        record = progress.ensure(self.folder.name, self.folder.manifest)
        if attempt:
            record = progress.attempt(self.folder.name, verdict.passed,
                                      [o.name for o in verdict.outcomes if not o.passed])
        self._header()
        self.out.print(render.verdict(verdict, self.folder.scenario.id))
        if not verdict.passed:
            render.print_pictures(self.out, render.verdict_pictures(verdict, self.out,
                                                                    self.folder.manifest.difficulty))
        if verdict.passed and attempt:
            from bughunt.cli.submit import show_solved

            show_solved(self.out, self.folder, source, record)
            self.out.print("[bold green]Solved![/bold green] Press n for the next one.")
        self.out.print("[dim]waiting for a save…[/dim]")

    def hint(self) -> None:
        from bughunt.cli.hint import hint_panel
        from bughunt.learner.hints import next_hint

        self.out.print(hint_panel(*next_hint(self.folder)))

    def reset(self) -> bool:
        self.out.print("Reset the file to how it was served? Your version is kept as a backup. "
                       "Press y to reset, any other key to keep it: \\[y/N] ", end="")
        answer = _read_key(60.0)
        if answer not in ("y", "Y"):
            self.out.print("\nNot reset.")
            return False
        kept = self.folder.reset()
        self.out.print(f"\nRestored; your version is in {kept}.")
        return True

    def next(self) -> None:
        from bughunt.learner import serving

        step = serving.next_step(self.space)
        if step is None:
            self.out.print("[green]Every challenge and bug of the built track is solved.[/green]")
            return
        kind, scenario = step
        self.out.print(f"[dim]preparing the next {kind}: {scenario.id}…[/dim]")
        if kind == CHALLENGE:
            self.folder, _ = serving.serve_challenge(self.space, scenario)
        else:
            self.folder, _ = serving.serve_bug(self.space, (scenario,), random.randrange(2**31))
        self.check(attempt=False)
