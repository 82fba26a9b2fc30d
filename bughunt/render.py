"""Rich renderings of the engine's results. The engine never prints; commands do, via here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # libcst and the judge stay out of commands that only render
    from bughunt.analysis import Report
    from bughunt.judge.grader import Verdict

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


def symptom_panel(symptom: str) -> Panel:
    return Panel(Text(symptom), title="symptom", border_style="red")


def brief_panel(title: str, brief: str) -> Panel:
    return Panel(Markdown(brief), title=title, border_style="cyan")


def diff(text: str, title: str = "the fix") -> Panel:
    return Panel(Syntax(text, "diff", theme="ansi_dark", word_wrap=True), title=title)


def analysis(report: Report) -> Group:
    table = Table(expand=True)
    for column in ("scenario", "site", "status", "killed by / reason"):
        table.add_column(column, overflow="fold")
    style = {"killed": "green", "equivalent": "cyan", "survived": "red", "stale-equivalent": "red"}
    for row in report.rows:
        table.add_row(row.scenario, f"{row.site}\n[dim]{row.note}[/dim]", Text(row.status, style=style[row.status]),
                      row.check or row.reason or row.message)
    counts = report.counts()
    total = len(report.rows)
    rate = total / report.seconds if report.seconds else 0.0
    summary = Text(f"{total} mutants in {report.seconds:.1f} s ({rate:.1f}/s): "
                   + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return Group(table, summary)
