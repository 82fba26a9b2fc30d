"""What the notebook shows: results as HTML, whose attributes are the keys of the CLI's `--json`.

`Result` holds the same document a command prints with `--json` (so `verdict.passed`,
`verdict.checks`, `hint.text`) and the HTML a notebook displays; the builders below make
that HTML. Everything the candidate or a check wrote is escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

from bughunt.notebook import figures

_STATUS = {"pass": "#2ca02c", "fail": "#d62728", "not-implemented": "#b8860b", "timeout": "#9467bd",
           "crash": "#9467bd", "not-run": "#888"}
MONOSPACE = "font-family:monospace"  # some front ends' styles give <pre> a proportional font
LEFT = 'style="text-align:left"'  # and right-align table cells


class Result:
    """A command's `--json` document as attributes, shown as HTML in a notebook."""

    def __init__(self, kind: str, document: dict, body: str, picture: str | None = None) -> None:
        self._kind, self._document, self._body, self._picture = kind, document, body, picture

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy and pickle probe before __init__ has run
            raise AttributeError(name)
        try:
            return self.__dict__["_document"][name]
        except KeyError:
            raise AttributeError(f"{self._kind} has no {name!r}; it has: {', '.join(self._document)}") from None

    def __dir__(self):
        return [*super().__dir__(), *self._document]

    def to_json(self) -> dict:
        return dict(self._document)

    def _repr_html_(self) -> str:
        return self._body

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/html": self._body, "text/plain": repr(self)}
        if self._picture:  # the picture on its own too, for front ends that keep images only
            bundle["image/png"] = self._picture
        return bundle

    def __repr__(self) -> str:
        return f"<bughunt {self._kind}: {json.dumps(self._document, default=str)[:300]}>"


def _e(text: Any) -> str:
    return html.escape(str(text))


def box(title: str, inner: str, colour: str) -> str:
    return (f'<div style="border:1px solid {colour};border-radius:6px;padding:6px 10px;margin:6px 0">'
            f'<div style="color:{colour};font-weight:bold;margin-bottom:4px">{_e(title)}</div>{inner}</div>')


def pre(text: str) -> str:
    return f'<pre style="white-space:pre-wrap;margin:0;{MONOSPACE}">{_e(text)}</pre>'


def markdown(text: str) -> str:
    """Markdown as HTML (markdown-it, which rich already brings), raw HTML in it escaped."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def picture(encoded: str | None, caption: str = "") -> str:
    if not encoded:
        return ""
    return (f'<figure style="margin:6px 0"><img alt="{_e(caption or "the symptom, drawn")}" '
            f'src="data:image/png;base64,{encoded}"/>'
            + (f'<figcaption style="font-size:90%;color:#555">{_e(caption)}</figcaption>' if caption else "")
            + "</figure>")


def series_picture(all_series: list[dict]) -> str | None:
    return figures.png(all_series)


def diff(text: str, title: str) -> str:
    """A unified diff, its added and removed lines coloured."""
    lines = []
    for line in text.splitlines():
        colour = "#2ca02c" if line.startswith("+") and not line.startswith("+++") else \
            "#d62728" if line.startswith("-") and not line.startswith("---") else "inherit"
        lines.append(f'<span style="color:{colour}">{_e(line)}</span>')
    return box(title, f'<pre style="margin:0;{MONOSPACE}">' + "\n".join(lines) + "</pre>", "#555")


def code_with_copy(code: str, path: str, in_next_cell: bool) -> str:
    """The code, folded, with a copy button and the file it lives in."""
    where = ("In Jupyter it is also in a new cell below, ready to edit and run." if in_next_cell else
             "Copy it into a cell that starts with <code>%%bughunt submit</code>, or edit the file and "
             "run <code>bh.submit()</code>.")
    payload = html.escape(json.dumps(code), quote=True)
    return (f'<p>Your file: <code>{_e(path)}</code>. {where}</p>'
            f'<details{"" if in_next_cell else " open"}><summary>the code</summary>'
            f'<button onclick="navigator.clipboard.writeText(JSON.parse(this.dataset.code))" '
            f'data-code="{payload}">copy</button>'
            f'<pre style="max-height:30em;overflow:auto;{MONOSPACE}">{_e(code)}</pre></details>')


def table(header: list[str], rows: list[list]) -> str:
    """Plain cells, escaped, left-aligned."""
    head = "".join(f"<th {LEFT}>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {LEFT}>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def checks_table(checks: list[dict]) -> str:
    rows = []
    for check in checks:
        detail = ""
        if not check["passed"]:
            detail = (f"<b>{_e(check['symptom'])}</b><br>" if check.get("symptom") else "") + _e(check["message"])
            if check.get("example"):
                detail += f'<br><span style="color:#777">example: {_e(check["example"])}</span>'
        colour = _STATUS.get(check["status"], "inherit")
        rows.append(f'<tr><td style="text-align:left"><code>{_e(check["name"])}</code></td>'
                    f'<td style="text-align:left;color:{colour};font-weight:bold">{_e(check["status"])}</td>'
                    f'<td style="text-align:left">{detail}</td></tr>')
    return ('<table><thead><tr><th style="text-align:left">check</th><th style="text-align:left">result</th>'
            '<th style="text-align:left">what went wrong</th></tr></thead><tbody>' + "".join(rows)
            + "</tbody></table>")


def headline(passed: bool, title: str) -> str:
    word, colour = ("PASSED", "#2ca02c") if passed else ("FAILED", "#d62728")
    return f'<div style="font-size:120%"><b style="color:{colour}">{word}</b> {_e(title)}</div>'
