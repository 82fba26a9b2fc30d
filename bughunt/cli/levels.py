"""`bughunt levels`: the twelve levels of the track and the scenarios built for each."""

from __future__ import annotations

import click

from bughunt.cli._shared import console, emit_json, json_option


@click.command()
@json_option
def levels(as_json: bool) -> None:
    """List the track's levels, their scenarios and reference files."""
    from bughunt import catalog

    document = []
    for level in catalog.LEVELS:
        found = catalog.scenarios_of(level)
        document.append({
            "number": level.number, "package": level.package, "title": level.title,
            "teaches": level.teaches, "built": bool(found),
            "groups": [g for g, numbers in catalog.GROUPS.items() if level.number in numbers],
            "scenarios": [{"id": s.id, "title": s.title, "reference": str(s.reference_path),
                           "bug_classes": list(s.bug_classes)} for s in found],
        })
    if as_json:
        emit_json({"levels": document})
        return
    from rich.table import Table

    table = Table(title="The PyTorch track", expand=True)
    for column in ("level", "title", "what you practise", "scenarios"):
        table.add_column(column, overflow="fold")
    for entry in document:
        groups = f" ({', '.join(entry['groups'])})" if entry["groups"] else ""
        names = "\n".join(s["id"] for s in entry["scenarios"]) or "[dim]not built yet[/dim]"
        table.add_row(entry["number"] + groups, entry["title"], entry["teaches"], names)
    console().print(table)
