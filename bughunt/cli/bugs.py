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
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    # Laid out for 80 columns: the id (typed back as `--bug ID`) never wraps and stays
    # narrow; the title and lesson share the rest of the width.
    table = Table(title="Bug classes", box=box.SIMPLE_HEAD, pad_edge=False, show_lines=True,
                  caption="bughunt play LEVEL --bug ID  ·  loud: an error  ·  silent: wrong numbers")
    table.add_column("id", no_wrap=True)
    table.add_column("lesson", ratio=1, min_width=30)
    for entry in document:
        table.add_row(f"[bold]{entry['id']}[/bold]\n[dim]{entry['symptom']}[/dim]",
                      f"[bold]{escape(entry['title'])}[/bold]\n{escape(entry['lesson'])}")  # `x[t]` is code
    console().print(table)
