"""`bughunt reset`: put the served file back; the learner's version is kept as a backup."""

from __future__ import annotations

from pathlib import Path

import click

from bughunt.cli._shared import emit_json, json_option, workspace_option


@click.command()
@workspace_option
@json_option
def reset(workspace: Path, as_json: bool) -> None:
    """Restore the active variant's file as it was served (your version is backed up)."""
    from bughunt.learner.workspace import Workspace

    folder = Workspace(workspace).current()
    kept = folder.reset()
    if as_json:
        emit_json({"file": str(folder.file), "backup": str(kept) if kept else None})
        return
    click.echo(f"Restored {folder.file}" + (f"; your version is in {kept}" if kept else ""))
