"""A student's file in SUBMISSIONS, laid out as an LMS exports it: a folder per student id
(`<id>/`, the file anywhere inside), a file named `<id>.py`, or files `<id>_*.py`. Where a
student has several Python files, the one named as the hand-out wins; otherwise the choice
would be a guess, and the student's row says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Found:
    path: Path | None  # None: nothing to grade
    problem: str = ""  # why nothing was chosen, when there was something


def find(submissions: Path, student: str, file_name: str, ids: tuple[str, ...]) -> Found:
    folder = submissions / student
    candidates: list[Path] = []
    if folder.is_dir():
        candidates += sorted(p for p in folder.rglob("*.py") if p.is_file() and not _hidden(p, folder))
    single = submissions / f"{student}.py"
    if single.is_file():
        candidates.append(single)
    # `<id>_*.py`, unless a longer id owns the name (ids `ann` and `ann_lee`).
    longer = [other for other in ids if other != student and other.startswith(student + "_")]
    candidates += sorted(p for p in submissions.glob(f"{student}_*.py")
                         if p.is_file() and not any(p.name.startswith(other + "_") or p.name == other + ".py"
                                                    for other in longer))
    if not candidates:
        return Found(None)
    if len(candidates) == 1:
        return Found(candidates[0])
    named = [p for p in candidates if p.name == file_name or p.name.endswith("_" + file_name)]
    if len(named) == 1:
        return Found(named[0])
    shown = ", ".join(str(p.relative_to(submissions)) for p in candidates[:4])
    return Found(None, f"several Python files and none is plainly {file_name!r}: {shown}")


def _hidden(path: Path, root: Path) -> bool:
    """Editor and OS droppings (`.ipynb_checkpoints`, `__MACOSX`, `__pycache__`)."""
    return any(part.startswith((".", "__")) for part in path.relative_to(root).parts[:-1]) or \
        path.name.startswith("._")
