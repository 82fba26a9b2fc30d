"""Options and output helpers every command shares. No torch here: `--help` must be fast."""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document and nothing else.")


def workspace_option(command):
    return click.option(
        "--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path),
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
