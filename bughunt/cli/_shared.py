"""Options and output helpers every command shares. No torch here: `--help` must be fast."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document and nothing else.")


def _workspace(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    default = ctx.get_parameter_source(param.name) == click.core.ParameterSource.DEFAULT
    from_env = default and "BUGHUNT_WORKSPACE" in os.environ
    if value.exists() and not value.is_dir():
        named = f"BUGHUNT_WORKSPACE={str(value)!r}" if from_env else f"--workspace {str(value)!r}"
        raise click.UsageError(f"{named} is a file, not a folder")
    if default and not from_env and not value.exists():
        # Standing inside the workspace (`cd bughunt-work/variants/...`): that workspace,
        # not a new one below the current folder.
        from bughunt.learner.workspace import enclosing

        return enclosing(Path.cwd()) or value
    return value


def workspace_option(command):
    return click.option(
        "--workspace", "workspace", type=click.Path(path_type=Path), callback=_workspace,
        default=lambda: os.environ.get("BUGHUNT_WORKSPACE", "bughunt-work"),
        show_default="./bughunt-work or $BUGHUNT_WORKSPACE",
        help="Where variants, backups and progress live.",
    )(command)


def emit_json(document) -> None:
    click.echo(json.dumps(document, indent=2, default=str))


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def exit_with(passed: bool) -> None:
    sys.exit(0 if passed else 1)


@contextlib.contextmanager
def stop_on_interrupt():
    """The first Ctrl-C says "stopping" at once and kills every runner this process started
    (a runner ignores Ctrl-C, and closing one politely waits for it), so the command unwinds
    and exits 130 within a second; a second Ctrl-C exits on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread (a test may drive us elsewhere)
        return
    pressed = []

    def stop(signum, frame) -> None:
        if pressed:
            os._exit(130)
        pressed.append(signum)
        click.echo("bughunt: stopping", err=True)
        from bughunt.runner.isolation import sweep_orphans

        sweep_orphans(set())  # the runners are this process's only children
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
