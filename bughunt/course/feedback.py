"""feedback/<id>.md: what a student may see about their grade. The status, the score, which
checks failed and the symptom a user of the code would report, with the failing example's
values: never the bug's class, site or fix, never the secret seed, never a copy flag (an
instructor decides what a flag means)."""

from __future__ import annotations

from bughunt.course.gradebook import Row

_SAID = {"pass": "passed", "fail": "failed", "timeout": "timed out", "crash": "crashed",
         "not-run": "not run (an earlier failure stopped the file)", "not-implemented": "not implemented"}


def markdown(row: Row, title: str) -> str:
    lines = [f"# {title}", "", f"- status: **{row.status}**",
             f"- score: {row.score:g} of {row.max_score:g}"]
    if row.checks_total:
        lines.append(f"- checks passed: {row.checks_passed} of {row.checks_total}")
    lines.append("")
    if row.status == "missing":
        lines += ["No submission was found for you.", ""]
    elif row.status == "error":
        lines += ["Your submission could not be graded:", "", f"> {row.note}", ""]
    if row.status == "passed":
        lines += ["Every check passes: the code behaves as the reference does.", ""]
    failed = [c for c in row.checks if c["status"] not in ("pass", "not-run")]
    if failed:
        lines += ["## What fails", ""]
        for chk in failed:
            lines.append(f"### `{chk['name']}`: {_SAID.get(chk['status'], chk['status'])}")
            lines.append("")
            if chk.get("symptom"):
                lines += [chk["symptom"].strip(), ""]
            if chk.get("message"):
                lines += ["```text", chk["message"].strip(), "```", ""]
            if chk.get("example"):
                lines += [f"Example: `{chk['example']}`", ""]
    if row.checks:
        lines += ["## Every check", ""]
        lines += [f"- `{c['name']}`: {_SAID.get(c['status'], c['status'])}" for c in row.checks]
    return "\n".join(lines).rstrip() + "\n"
