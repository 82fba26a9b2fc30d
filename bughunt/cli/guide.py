"""`bughunt guide [TOPIC]`: the study guides, rendered in the terminal."""

from __future__ import annotations

import click

from bughunt.cli._shared import console, emit_json, json_option


@click.command()
@click.argument("topic", required=False)
@json_option
def guide(topic: str | None, as_json: bool) -> None:
    """List the guides, or show one: NAME, NAME#SECTION, or a section name."""
    from bughunt.guides import all_guides, lookup

    if topic is None:
        listing = [{"name": g.name, "title": g.title, "sections": list(g.sections())} for g in all_guides()]
        if as_json:
            emit_json({"guides": listing})
            return
        from rich.table import Table

        table = Table(title="Study guides: bughunt guide NAME\\[#SECTION]", expand=True)
        table.add_column("name", no_wrap=True)
        table.add_column("title and sections", overflow="fold")
        for entry in listing:
            table.add_row(entry["name"], f"[bold]{entry['title']}[/bold]\n" + ", ".join(entry["sections"]))
        console().print(table)
        return
    found, section = lookup(topic)
    text = found.sections()[section] if section else found.text
    if as_json:
        emit_json({"name": found.name, "section": section, "markdown": text})
        return
    from rich.markdown import Markdown

    console().print(Markdown(text))
