"""Options and output helpers every command shares. No torch here: `--help` must be fast."""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document and nothing else.")


def _workspace(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if value.exists() and not value.is_dir():
        from_env = ctx.get_parameter_source(param.name) == click.core.ParameterSource.DEFAULT \
            and "BUGHUNT_WORKSPACE" in os.environ
        named = f"BUGHUNT_WORKSPACE={str(value)!r}" if from_env else f"--workspace {str(value)!r}"
        raise click.UsageError(f"{named} is a file, not a folder")
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


def unified(before: str, after: str, before_name: str, after_name: str) -> str:
    """A unified diff of two sources, for `submit` and `reveal`."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        before_name, after_name))
