"""`bughunt bugs`: every bug class bughunt can inject, with its lesson."""

from __future__ import annotations

import click

from bughunt.cli._shared import console, emit_json, json_option


@click.command()
@json_option
def bugs(as_json: bool) -> None:
    """List the bug classes (mutators) and what each one teaches."""
    from bughunt.bug_classes import all_bug_classes

    document = [{"id": b.id, "title": b.title, "symptom": "loud" if b.loud else "silent", "lesson": b.lesson}
                for b in all_bug_classes()]
    if as_json:
        emit_json({"bug_classes": document})
        return
    from rich.table import Table

    table = Table(title="Bug classes", expand=True, show_lines=True)
    for column, ratio in (("id", None), ("symptom", None), ("lesson", 1)):
        table.add_column(column, ratio=ratio, overflow="fold")
    for entry in document:
        table.add_row(f"[bold]{entry['id']}[/bold]\n{entry['title']}", entry["symptom"], entry["lesson"])
    console().print(table)
