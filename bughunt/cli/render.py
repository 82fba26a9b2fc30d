"""Rich renderings of the engine's results. The engine never prints; commands do, via here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # libcst and the judge stay out of commands that only render
    from bughunt.judge.grader import Verdict
    from bughunt.variants.analysis import Report

_STYLE = {"pass": "green", "fail": "red", "not-implemented": "yellow", "timeout": "magenta",
          "crash": "magenta", "not-run": "dim"}


def verdict(result: Verdict, title: str) -> Group:
    table = Table(expand=True, show_lines=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("what went wrong", ratio=1)
    for outcome in result.outcomes:
        detail = Text()
        if outcome.symptom and not outcome.passed:
            detail.append(outcome.symptom + "\n", style="bold")
        if outcome.message:
            detail.append(outcome.message)
        if outcome.example:
            detail.append(f"\nexample: {outcome.example}", style="dim")
        table.add_row(outcome.name, Text(outcome.status, style=_STYLE.get(outcome.status, "")), detail)
    headline = (Text("PASSED", style="bold green") if result.passed else Text("FAILED", style="bold red"))
    headline.append(f"  {title}  ({result.seconds:.1f} s)", style="default")
    parts = [headline, table]
    if result.output and not result.passed:
        parts.append(Panel(Text(result.output[-800:]), title="your code printed", border_style="dim"))
    return Group(*parts)


def verdict_pictures(result: Verdict, console, difficulty: str | None = None):
    """The failing check's series drawn for this terminal (`cli.plots`), or None."""
    from bughunt.cli import plots

    return plots.of_verdict(result, console, difficulty)


def print_pictures(console, pictures) -> None:
    if pictures is not None:
        console.print(pictures)


def symptom_panel(symptom: str) -> Panel:
    return Panel(Text(symptom), title="symptom", border_style="red")


def brief_panel(title: str, brief: str) -> Panel:
    from rich.markdown import Markdown  # markdown-it and its parsers: only where a brief is shown

    return Panel(Markdown(brief), title=title, border_style="cyan")


def diff(text: str, title: str = "the fix") -> Panel:
    from rich.syntax import Syntax  # Pygments: only where a fix is shown

    return Panel(Syntax(text, "diff", theme="ansi_dark", word_wrap=True), title=title)


def analysis(report: Report) -> Group:
    """The kill matrix, then every mutant that was not simply killed, then the totals."""
    style = {"killed": "green", "equivalent": "cyan", "duplicate": "dim", "survived": "red",
             "unstable": "red", "stale-equivalent": "red", "reference-fails": "red"}
    matrix = Table(title="kill matrix (check seeds " + " and ".join(map(str, report.to_json()["seeds"])) + ")",
                   caption="surv: survived · unst: killed on one seed only · eq: equivalent or duplicate",
                   box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    matrix.add_column("scenario", no_wrap=True)
    matrix.add_column("bug class", no_wrap=True)
    for column in ("sites", "killed", "surv", "unst", "eq", "time"):
        matrix.add_column(column, justify="right", no_wrap=True)
    previous = None
    for cell in report.matrix():
        name = cell["scenario"].rsplit(".", 1)[-1]  # the module: the level shows in its id only
        shown, previous = ("" if name == previous else name), name
        survived = cell["survived"] + cell["stale-equivalent"]
        matrix.add_row(shown, cell["bug_class"], str(cell["sites"]), Text(str(cell["killed"]), style="green"),
                       Text(str(survived), style="red" if survived else "dim"),
                       Text(str(cell["unstable"]), style="red" if cell["unstable"] else "dim"),
                       str(cell["equivalent"] + cell["duplicate"]), f"{cell['seconds']:.1f} s")
    parts = [matrix]
    others = [row for row in report.rows if row.status != "killed"]
    if others:
        table = Table(title="not simply killed", expand=True)
        for column in ("scenario", "site", "status", "why"):
            table.add_column(column, overflow="fold")
        for row in others:
            table.add_row(row.scenario, f"{row.site}\n[dim]{row.note}[/dim]", Text(row.status, style=style[row.status]),
                          row.message or row.reason)
        parts.append(table)
    counts = report.counts()
    ran = sum(n for status, n in counts.items() if status not in ("duplicate", "reference-fails"))
    rate = ran / report.seconds if report.seconds else 0.0
    parts.append(Text(f"{len(report.rows)} mutants in {report.seconds:.1f} s ({rate:.1f}/s): "
                      + ", ".join(f"{n} {status}" for status, n in counts.items() if n)))
    return Group(*parts)
