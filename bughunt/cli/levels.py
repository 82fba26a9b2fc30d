"""`bughunt levels`: the twelve levels of the track and the scenarios built for each."""

from __future__ import annotations

import click

from bughunt.cli._shared import console, emit_json, json_option


@click.command()
@json_option
def levels(as_json: bool) -> None:
    """List the track's levels, their scenarios and reference files."""
    from bughunt import catalog

    track = catalog.track()
    document = []
    for level in track.levels:
        found = catalog.scenarios_of(level)
        document.append({
            "number": level.number, "package": level.package, "title": level.title,
            "teaches": level.teaches, "built": bool(found),
            "stages": list(track.stages_of(level.number)),
            "scenarios": [{"id": s.id, "title": s.title, "reference": str(s.reference_path),
                           "bug_classes": list(s.bug_classes)} for s in found],
        })
    if as_json:
        emit_json({"levels": document, "track_order": list(track.order)})
        return
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    # Laid out for 80 columns: ids never wrap (they are typed back), the prose does.
    table = Table(title="The PyTorch track", box=box.SIMPLE_HEAD, pad_edge=False, show_lines=False,
                  caption="bughunt play LEVEL|STAGE|SCENARIO  ·  order: bughunt next")
    table.add_column("level", no_wrap=True)
    table.add_column("what you practise", ratio=1, min_width=20)
    table.add_column("scenarios", no_wrap=True)
    for entry in document:
        stages = "".join(f"\n[dim]{name}[/dim]" for name in entry["stages"])
        names = "\n".join(s["id"] for s in entry["scenarios"]) or "[dim]not built yet[/dim]"
        what = f"[bold]{escape(entry['title'])}[/bold]\n{escape(entry['teaches'])}"
        table.add_row(entry["number"] + stages, what, names)
        table.add_section()
    console().print(table)
