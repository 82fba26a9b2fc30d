"""The roster: the instructor's CSV of students. The `id` column names each student (their
hand-out folder and their submission); every other column (`email`, `sid`, a name, a
section) is kept as it is and comes back in the gradebook."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from bughunt.errors import UsageError

ID = "id"
# Identifiers an autograder platform may know a student by (Gradescope's users[]: email, sid).
CONTACTS = ("email", "sid")
# A student id becomes a folder and a file name: nothing that could climb out of a folder.
_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+")


@dataclass(frozen=True)
class Roster:
    columns: tuple[str, ...]  # as in the file, `id` among them
    rows: tuple[dict[str, str], ...]  # one per student, in the file's order

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(row[ID] for row in self.rows)

    @property
    def extra_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c != ID)

    def row(self, student: str) -> dict[str, str]:
        return next(row for row in self.rows if row[ID] == student)

    def find(self, *, email: str | None = None, sid: str | None = None) -> str | None:
        """The id of the student with this email (case aside) or sid, if any."""
        for row in self.rows:
            if email and row.get("email", "").strip().lower() == email.strip().lower():
                return row[ID]
            if sid and row.get("sid", "").strip() == str(sid).strip():
                return row[ID]
        return None

    def to_json(self) -> dict:
        return {"columns": list(self.columns), "rows": [dict(row) for row in self.rows]}

    @classmethod
    def from_json(cls, document: dict) -> Roster:
        return cls(tuple(document["columns"]), tuple(dict(row) for row in document["rows"]))


def read(path: Path) -> Roster:
    """The roster at `path`; a UsageError naming the problem for anything unusable."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets save a BOM
    except FileNotFoundError:
        raise UsageError(f"no such roster: {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read roster {str(path)!r}: {error}") from None
    return parse(text, str(path))


def parse(text: str, name: str = "roster") -> Roster:
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    columns = tuple((c or "").strip() for c in (reader.fieldnames or ()))
    if ID not in columns:
        found = ", ".join(repr(c) for c in columns) or "none"
        raise UsageError(f"roster {name!r} has no {ID!r} column (columns: {found})")
    if len(set(columns)) < len(columns):
        raise UsageError(f"roster {name!r} repeats a column: {', '.join(columns)}")
    rows, seen = [], set()
    for number, raw in enumerate(reader, start=2):
        row = {column: (value or "").strip() for column, value in zip(columns, raw.values())}
        if not any(row.values()):
            continue  # a blank line
        student = row[ID]
        if not student:
            raise UsageError(f"roster {name!r} line {number}: empty {ID!r}")
        if not set(student) <= _ALLOWED or student.startswith("."):
            raise UsageError(f"roster {name!r} line {number}: id {student!r} may hold only letters, "
                             "digits and - _ . @ +, and may not start with '.'")
        if student in seen:
            raise UsageError(f"roster {name!r} line {number}: duplicate id {student!r}")
        seen.add(student)
        rows.append(row)
    if not rows:
        raise UsageError(f"roster {name!r} has no students")
    return Roster(columns, tuple(rows))
