"""course.json: the course's private record. It holds the answer key (each student's bug
class, site and fixed text), the secret seed the checks draw their examples with, and every
student's scenario and hand-out. Students must never see it: the hand-outs and feedback
are the only files meant for them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bughunt.course.roster import Roster
from bughunt.errors import UsageError

FILE = "course.json"
FORMAT = 1
DEFAULT_MAX_SCORE = 10.0  # points per student; edit course.json to change it before grading


@dataclass(frozen=True)
class Student:
    id: str
    scenario: str  # scenario id
    variant: str
    bug_class: str
    site: str  # site ids joined by `+`
    disguise: int  # the camouflage seed: the hand-out's fingerprint
    file_name: str
    handout: str  # the served text
    fixed: str  # the answer: the reference, dressed as the hand-out was
    symptom: str
    check: str  # the check that kills the hand-out
    sha256: str

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Course:
    level: str
    seed: int  # the secret: every check's examples depend on it
    bugs: int
    difficulty: str
    roster: Roster
    students: dict[str, Student] = field(default_factory=dict)  # by id, in the roster's order
    max_score: float = DEFAULT_MAX_SCORE

    def to_json(self) -> dict:
        return {"format": FORMAT, "level": self.level, "seed": self.seed, "bugs": self.bugs,
                "difficulty": self.difficulty, "max_score": self.max_score,
                "roster": self.roster.to_json(),
                "students": {sid: s.to_json() for sid, s in self.students.items()}}

    @classmethod
    def from_json(cls, document: dict) -> Course:
        students = {sid: Student(**entry) for sid, entry in document["students"].items()}
        return cls(document["level"], int(document["seed"]), int(document["bugs"]), document["difficulty"],
                   Roster.from_json(document["roster"]), students, float(document.get("max_score", DEFAULT_MAX_SCORE)))


def write(course: Course, folder: Path) -> Path:
    """course.json in `folder`, readable by its owner alone."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    temporary = path.with_suffix(".json.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(course.to_json(), handle, indent=1)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


def read(folder: Path) -> Course:
    path = folder / FILE
    if not path.is_file():
        raise UsageError(f"{str(folder)!r} is not a course folder (no {FILE}); make one with `bughunt course new`")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        return Course.from_json(document)
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{str(path)!r} is not a bughunt course record ({error})") from None
