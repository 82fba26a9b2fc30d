"""`bughunt`: every command, wired in one place, with one error policy.

Bad input (a UsageError) is one line on stderr and exit code 2; a failure inside bughunt
is one line too (set BUGHUNT_DEBUG=1 for the traceback), never a wall of text.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
from typing import NoReturn

import click

from bughunt import __version__
from bughunt.cli._shared import stop_on_interrupt
from bughunt.errors import UsageError

# Each command's module, imported only when that command runs (or help lists it): `check`
# starts its runner sooner for not importing the fifteen others first.
COMMANDS = {
    "analyze": "analyze", "bugs": "bugs", "challenge": "challenge", "challenges": "challenges",
    "check": "check", "course": "course", "generate": "generate", "guide": "guide", "hint": "hint",
    "levels": "levels", "next": "next_", "play": "play", "progress": "progress", "reset": "reset",
    "reveal": "reveal", "submit": "submit", "watch": "watch",
}


class _Policy(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"bughunt.cli.{name}")
        return getattr(module, COMMANDS[name])

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
