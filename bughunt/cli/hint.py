"""`bughunt hint`: the next hint for the active variant, vaguest first."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option, workspace_option


@click.command()
@workspace_option
@json_option
def hint(workspace: Path, as_json: bool) -> None:
    """Show one more hint (each one lowers the score a little)."""
    from bughunt.learner.hints import next_hint
    from bughunt.learner.workspace import Workspace

    number, total, text = next_hint(Workspace(workspace).current())
    if as_json:
        emit_json({"hint": number or None, "of": total, "text": text, "more": 0 < number < total})
        return
    console().print(hint_panel(number, total, text))


def hint_panel(number: int, total: int, text: str):
    """One hint; number 0 means the ladder is used up (all `total` were shown)."""
    from rich.panel import Panel

    title = f"hint {number} of {total}" if number else f"no more hints (all {total} shown)"
    return Panel(text, title=title, border_style="yellow")
