"""`bughunt generate LEVEL`: distinct, validated variants and a manifest, for a class."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import click

from bughunt.cli._shared import console, emit_json, json_option
from bughunt.variants import difficulty as difficulties


@click.command()
@click.argument("level")
@click.option("--count", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option("--seed", type=int, help="Same seed, same variants (default: a random seed, recorded).")
@click.option("--bug", "bug", metavar="CLASS", help="Only this bug class (see `bughunt bugs`).")
@click.option("--bugs", type=click.IntRange(1, 2), default=1, show_default=True,
              help="Bugs in each variant, of different classes on different lines.")
@click.option("--difficulty", type=click.Choice(difficulties.LEVELS), default=difficulties.DEFAULT,
              show_default=True, help="What the symptom and the comments give away (see `play --help`).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("bughunt-generated"),
              show_default=True, help="Folder for the variants and manifest.json.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--allow-fewer", is_flag=True, help="Exit 0 even when fewer than COUNT variants exist.")
@json_option
def generate(level: str, count: int, seed: int | None, bug: str | None, bugs: int, difficulty: str,
             out: Path, workers: int, allow_fewer: bool, as_json: bool) -> None:
    """Write COUNT variants of LEVEL, each killed by the checks, with their manifests.

    Each variant folder holds the buggy file and its BRIEF.md; OUT/manifest.json holds the
    answers (bug class, site) for the instructor. Existing files are never overwritten.
    """
    from bughunt import catalog
    from bughunt.errors import UsageError
    from bughunt.learner.brief import brief_markdown
    from bughunt.variants import generator

    scenarios = catalog.resolve(level)
    _refuse_edited(out)
    seed = random.randrange(2**31) if seed is None else seed
    variants = generator.generate(scenarios, count, seed, bug=bug, bugs=bugs, difficulty=difficulty,
                                  workers=workers)
    planned = [(v, out / v.id / v.scenario.file_name) for v in variants]
    clashes = [str(path) for v, path in planned if path.exists() and path.read_text() != v.source]
    if clashes:
        raise UsageError(f"refusing to overwrite edited files: {', '.join(clashes)}")
    manifests = []
    for variant, path in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(variant.source, encoding="utf-8")
        (path.parent / "BRIEF.md").write_text(brief_markdown(variant.scenario, symptom=variant.symptom,
                                                             handout=True, bugs=len(variant.sites)))
        manifests.append(variant.manifest(str(path)).to_json())
    manifest_path = out / "manifest.json"
    out.mkdir(parents=True, exist_ok=True)
    document = {"level": level, "seed": seed, "requested": count, "short_by": count - len(variants),
                "bugs": bugs, "difficulty": difficulty,
                "distinct_sites": len({(v.scenario.id, v.sites) for v in variants}), "variants": manifests}
    manifest_path.write_text(json.dumps(document, indent=2))
    short = len(variants) < count and not allow_fewer
    if as_json:
        emit_json(document)
        sys.exit(1 if short else 0)
    from rich.table import Table

    table = Table(title=f"{len(variants)} variants of {level} (seed {seed})", expand=True)
    for column in ("variant", "bug class", "site", "symptom"):
        table.add_column(column, overflow="fold")
    for m in manifests:
        table.add_row(m["variant"], m["bug_class"], m["site"], m["symptom"].splitlines()[0])
    console().print(table)
    console().print(f"Files under {out}/, answers in {manifest_path}")
    console().print(f"{len(variants)} distinct variants from {document['distinct_sites']} distinct bug sites.")
    if len(variants) < count:
        console().print(f"[yellow]only {len(variants)} distinct killed variants exist for these options"
                        f"{'' if allow_fewer else ' (--allow-fewer to accept that)'}[/yellow]")
        sys.exit(0 if allow_fewer else 1)


def _refuse_edited(out: Path) -> None:
    """Before any work: a previous hand-out in OUT whose files were edited is never overwritten."""
    from bughunt.errors import UsageError

    manifest = out / "manifest.json"
    if not manifest.is_file():
        return
    try:
        previous = json.loads(manifest.read_text())["variants"]
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{str(manifest)!r} is not a bughunt manifest; choose another --out") from None
    edited = [m["file"] for m in previous if isinstance(m, dict) and Path(m.get("file", "")).is_file()
              and hashlib.sha256(Path(m["file"]).read_bytes()).hexdigest() != m.get("sha256")]
    if edited:
        raise UsageError(f"refusing to overwrite edited files: {', '.join(edited)}")
