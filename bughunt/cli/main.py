"""`bughunt`: every command, wired in one place, with one error policy.

Bad input (a UsageError) is one line on stderr and exit code 2; a failure inside bughunt
is one line too (set BUGHUNT_DEBUG=1 for the traceback), never a wall of text.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

import click

from bughunt import __version__
from bughunt.cli._shared import stop_on_interrupt
from bughunt.cli.analyze import analyze
from bughunt.cli.bugs import bugs
from bughunt.cli.challenge import challenge
from bughunt.cli.challenges import challenges
from bughunt.cli.check import check
from bughunt.cli.course import course
from bughunt.cli.generate import generate
from bughunt.cli.guide import guide
from bughunt.cli.hint import hint
from bughunt.cli.levels import levels
from bughunt.cli.next import next_
from bughunt.cli.play import play
from bughunt.cli.progress import progress
from bughunt.cli.reset import reset
from bughunt.cli.reveal import reveal
from bughunt.cli.submit import submit
from bughunt.cli.watch import watch
from bughunt.errors import UsageError


class _Policy(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return self._with_policy(ctx)
        finally:
            from bughunt.errors import notices

            for notice in notices():
                click.echo(f"bughunt: note: {notice}", err=True)

    def _with_policy(self, ctx: click.Context):
        try:
            with stop_on_interrupt():
                return super().invoke(ctx)
        except UsageError as error:
            click.echo(f"bughunt: error: {error}", err=True)
            ctx.exit(2)
        except click.UsageError as error:
            if type(error).__name__ == "NoArgsIsHelpError":
                raise
            command = f" {error.ctx.info_name}" if error.ctx and error.ctx is not ctx else ""
            message = error.format_message()
            if message.startswith("No such command"):
                message += f" Choose from: {', '.join(self.list_commands(ctx))}."
            click.echo(f"bughunt{command}: error: {message}", err=True)
            ctx.exit(2)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("bughunt: interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as error:  # the policy: one line, never a traceback
            if os.environ.get("BUGHUNT_DEBUG"):
                raise
            click.echo(f"bughunt: internal error: {type(error).__name__}: {error}", err=True)
            ctx.exit(3)


@click.group(cls=_Policy, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="bughunt")
def cli() -> None:
    """Learn PyTorch by hunting bugs injected into correct reference code.

    \b
    Learners:     bughunt play level1   … edit the file …   bughunt submit
    Instructors:  bughunt generate level3 --count 30 --seed 2026 --out class/
    Maintainers:  bughunt analyze level3
    """


for command in (levels, bugs, play, challenge, challenges, next_, submit, hint, reveal, reset, watch,
                progress, guide, generate, check, analyze):
    cli.add_command(command)
cli.add_command(course)


def main() -> NoReturn:
    try:
        cli.main(prog_name="bughunt")
    except SystemExit as done:
        _exit(done.code)
    _exit(0)


def _exit(code: int | str | None) -> NoReturn:
    """Exit as the interpreter does, less its last step: once torch is loaded, freeing its
    thousand-odd modules one by one takes 0.3-0.5 s after the work is done and the output
    written. Threads are joined and the atexit handlers run first, as in a normal exit."""
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    threading._shutdown()  # what Py_FinalizeEx does first: join every non-daemon thread
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code or 0)
