"""grades.csv: one row per roster id, always, in the roster's order. The columns are the
command-line contract's (DESIGN.md), then the roster's own columns (email, sid, ...), so the
file can be pasted into any LMS's grade import."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bughunt.course.roster import Roster
from bughunt.errors import UsageError

COLUMNS = ("id", "scenario", "bug_class", "status", "score", "max_score", "checks_passed", "checks_total",
           "seconds", "copied_from")
STATUSES = ("passed", "failed", "missing", "error")


@dataclass
class Row:
    id: str
    scenario: str
    bug_class: str
    status: str  # one of STATUSES
    score: float
    max_score: float
    checks_passed: int
    checks_total: int
    seconds: float
    copied_from: str = ""  # ids joined by `;` when a copy fits several identical hand-outs
    # Kept in the results, not in the CSV: for feedback, the bundles and a resumed run.
    isolation: str = ""
    submission: str = ""  # the graded file, relative to SUBMISSIONS
    sha256: str = ""
    checks: list[dict] = field(default_factory=list)  # name, status, symptom, message, example
    note: str = ""  # why a row is missing or an error

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, document: dict) -> Row:
        return cls(**document)


def score(status: str, max_score: float) -> float:
    """All the points for a pass, none otherwise: an unfixed hand-out already passes most
    checks (the bug breaks one or two), so checks passed of checks (its own columns) would
    pay for doing nothing."""
    return max_score if status == "passed" else 0.0


def render(rows: list[Row], roster: Roster) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extra = [c for c in roster.extra_columns if c not in COLUMNS]
    writer.writerow([*COLUMNS, *extra])
    for row in rows:
        values = asdict(row)
        values["score"], values["max_score"] = _number(row.score), _number(row.max_score)
        values["seconds"] = f"{row.seconds:.2f}"
        theirs = roster.row(row.id)
        writer.writerow([values[c] for c in COLUMNS] + [theirs.get(c, "") for c in extra])
    return out.getvalue()


def write(rows: list[Row], roster: Roster, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render(rows, roster), encoding="utf-8")
    os.replace(temporary, path)
    return path


def save_rows(rows: list[Row], path: Path) -> None:
    """A shard's rows, whole (the CSV drops the per-check detail the merge keeps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps([r.to_json() for r in rows], indent=1), encoding="utf-8")
    os.replace(temporary, path)


def load_rows(path: Path) -> list[Row]:
    try:
        return [Row.from_json(entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError) as error:
        raise UsageError(f"{str(path)!r} is not a bughunt shard ({error})") from None


def _number(value: float) -> str:
    return f"{value:g}"
