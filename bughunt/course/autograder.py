"""The entry point Gradescope and PrairieLearn run, one submission per container:
`python -m bughunt.course.autograder gradescope|prairielearn`.

`warm` (run by Gradescope's setup.sh) makes the reference's observations into the image.

It reads the bundle's key (every student's scenario, variant and hand-out, the secret seed:
no fixed text, no bug site), finds whose submission this is, grades it at the secret seed
with the runner walled off from the key, and writes the platform's `results.json`:

- Gradescope: root `$BUGHUNT_AUTOGRADER_ROOT` (default `/autograder`): the key in
  `source/`, the files in `submission/`, the student from `submission_metadata.json`
  (`users[]`' email or sid against the roster); `results/results.json` with `score`,
  `output`, `tests[]` (`name`, `score`, `max_score`, `status`, `output`, `visibility`).
- PrairieLearn: root `$BUGHUNT_GRADE_ROOT` (default `/grade`): the key in `tests/` (or
  `serverFilesCourse/bughunt/`), the files in `student/`, the student from `data/data.json`
  (`params` or `submitted_answers`: `student_id` or `email`), else from the hand-out the file
  was made from; `results/results.json` with `gradable`, `score` in [0, 1], `message`,
  `tests[]` (`name`, `points`, `max_points`, `message`).

A check is a test worth no points that says passed or failed; one more test, "every check
passes", carries the points, as the gradebook does (an unfixed hand-out passes most checks).
What prints goes to instructors only (Gradescope), so a copy flag is printed, not shown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

KEY = "bughunt-course.json"
KEY_FORMAT = 1
ALL_PASS = "every check passes"


@dataclass
class Graded:
    student: str | None
    problem: str = ""  # why nothing was graded
    passed: bool = False
    checks: list = field(default_factory=list)  # the judge's Outcomes
    isolation: str = ""
    copied_from: tuple[str, ...] = ()
    seconds: float = 0.0


def secure(path: Path) -> None:
    """The key readable by its owner alone (root in the platforms' containers), whatever
    mode unzipping gave it, before any candidate code can run."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass


def load_key(path: Path) -> dict:
    secure(path)
    key = json.loads(path.read_text(encoding="utf-8"))
    if key.get("format") != KEY_FORMAT:
        raise ValueError(f"{path} is not a bughunt course key")
    return key


def identify(key: dict, *, emails=(), sids=(), ids=()) -> str | None:
    """The roster id matching one of the platform's identifiers."""
    for student in key["roster"]:
        if student["id"] in ids:
            return student["id"]
        if student.get("email") and student["email"].strip().lower() in {e.strip().lower() for e in emails if e}:
            return student["id"]
        if student.get("sid") and student["sid"].strip() in {str(s).strip() for s in sids if s}:
            return student["id"]
    return None


def pick_file(folder: Path, file_name: str) -> Path | None:
    files = sorted(p for p in folder.rglob("*.py") if p.is_file()) if folder.is_dir() else []
    named = [p for p in files if p.name == file_name]
    if named:
        return named[0]
    return files[0] if len(files) == 1 else None


def grade(key: dict, student: str | None, folder: Path, hidden: list[Path]) -> Graded:
    """Grade the file in `folder` as `student`'s; with no student, as the one whose
    hand-out the file was made from."""
    from bughunt import catalog
    from bughunt.course import fingerprint
    from bughunt.errors import UsageError
    from bughunt.judge import grading

    handouts = fingerprint.prints({sid: entry["handout"] for sid, entry in key["students"].items()})
    names = {entry["file_name"] for entry in key["students"].values()}
    file_name = key["students"][student]["file_name"] if student else None
    path = pick_file(folder, file_name) if file_name else \
        next(filter(None, (pick_file(folder, n) for n in sorted(names))), None)
    if path is None:
        return Graded(student, f"no Python file to grade in the submission (expected {file_name or 'one'})")
    try:
        source = grading.read_candidate(path)
    except UsageError as error:
        return Graded(student, str(error))
    if student is None:
        # No identity from the platform: the hand-out this file was made from (its own
        # fingerprint). A copy is then graded as the copied student's, so say so loudly.
        mine = fingerprint.lines(source)
        scored = {sid: -fingerprint.distance(mine, theirs) for sid, theirs in handouts.items()}
        student = max(sorted(scored), key=scored.get)
    entry = key["students"][student]
    started = time.monotonic()
    verdict = grading.grade_source(catalog.scenario(entry["scenario"]), source, entry["file_name"],
                                   seed=int(key["seed"]), timeout=float(key.get("timeout", 20.0)),
                                   hidden=tuple(hidden))
    return Graded(student, "", verdict.passed, list(verdict.outcomes), verdict.isolation,
                  tuple(fingerprint.made_from(source, student, handouts)), time.monotonic() - started)


def _check_text(outcome) -> str:
    parts = [outcome.symptom.strip(), outcome.message.strip(),
             f"Example: {outcome.example}" if outcome.example else ""]
    return "\n\n".join(p for p in parts if p) or outcome.status


def find_key(root: Path, *usual: Path) -> Path | None:
    """$BUGHUNT_COURSE_KEY, else where the platform puts it, else anywhere under `root`
    but the student's own files."""
    if os.environ.get("BUGHUNT_COURSE_KEY") and Path(os.environ["BUGHUNT_COURSE_KEY"]).is_file():
        return Path(os.environ["BUGHUNT_COURSE_KEY"])
    for path in usual:
        if path.is_file():
            return path
    found = sorted(p for p in root.rglob(KEY) if not {"student", "submission"} & set(p.relative_to(root).parts))
    return found[0] if found else None


def gradescope(root: Path) -> dict:
    key_path = find_key(root, root / "source" / KEY)
    if key_path is None:
        raise FileNotFoundError(f"no {KEY} under {root}")
    key = load_key(key_path)
    metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    users = metadata.get("users") or []
    student = identify(key, emails=[u.get("email") for u in users], sids=[u.get("sid") for u in users])
    max_score = float(key["max_score"])
    if student is None:
        shown = ", ".join(str(u.get("email") or u.get("sid")) for u in users) or "no user"
        result = {"score": 0.0, "output": f"Not on the course roster ({shown}); ask your instructor.",
                  "tests": [], "extra_data": {"isolation": ""}}
        print(f"bughunt: {shown} matches no roster row by email or sid")
        return result
    graded = grade(key, student, root / "submission", [key_path.parent])
    if graded.problem:
        return {"score": 0.0, "output": graded.problem, "tests": [],
                "extra_data": {"student": student, "isolation": graded.isolation}}
    tests = [{"name": o.name, "score": 0.0, "max_score": 0.0, "status": "passed" if o.passed else "failed",
              "output": "" if o.passed else _check_text(o), "visibility": "visible"} for o in graded.checks]
    tests.append({"name": ALL_PASS, "score": max_score if graded.passed else 0.0, "max_score": max_score,
                  "status": "passed" if graded.passed else "failed", "output": "", "visibility": "visible"})
    if graded.copied_from:
        print(f"bughunt: {student}'s file was made from the hand-out of {', '.join(graded.copied_from)}")
    print(f"bughunt: {student} graded with isolation {graded.isolation!r} in {graded.seconds:.1f} s")
    summary = "Every check passes." if graded.passed else \
        f"{sum(o.passed for o in graded.checks)} of {len(graded.checks)} checks pass; the points need all."
    return {"score": max_score if graded.passed else 0.0, "execution_time": round(graded.seconds, 2),
            "output": summary, "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
            "isolation": graded.isolation,
            "extra_data": {"student": student, "isolation": graded.isolation,
                           "copied_from": list(graded.copied_from)}}


def prairielearn(root: Path) -> dict:
    key_path = find_key(root, root / "tests" / KEY, root / "serverFilesCourse" / "bughunt" / KEY)
    if key_path is None:
        return {"gradable": False, "score": 0.0, "message": "the grader has no course key", "tests": []}
    key = load_key(key_path)
    data_path = root / "data" / "data.json"
    data = json.loads(data_path.read_text(encoding="utf-8")) if data_path.is_file() else {}
    said = {**(data.get("params") or {}), **(data.get("submitted_answers") or {})}
    student = identify(key, ids=[str(said.get(k, "")) for k in ("student_id", "student", "id")],
                       emails=[said.get("email")], sids=[said.get("sid")])
    graded = grade(key, student, root / "student", [key_path.parent])
    if graded.problem:
        return {"gradable": False, "score": 0.0, "message": graded.problem, "tests": []}
    tests = [{"name": o.name, "points": 0, "max_points": 0,
              "message": "passed" if o.passed else _check_text(o)} for o in graded.checks]
    tests.append({"name": ALL_PASS, "points": 1 if graded.passed else 0, "max_points": 1,
                  "message": "passed" if graded.passed else "not yet"})
    if graded.copied_from:
        print(f"bughunt: {graded.student}'s file was made from the hand-out of {', '.join(graded.copied_from)}")
    passed = sum(o.passed for o in graded.checks)
    return {"gradable": True, "score": 1.0 if graded.passed else 0.0,
            "message": "Every check passes." if graded.passed else f"{passed} of {len(graded.checks)} checks pass.",
            "tests": tests, "isolation": graded.isolation}


def warm(key_path: Path) -> None:
    """Make the reference's observations at the secret seed once, when the image is built
    (Gradescope's setup.sh), instead of in every submission's container: the reference
    itself graded per scenario of the course. The cache is root's, out of the runner's reach."""
    from bughunt import catalog
    from bughunt.judge import grading

    key = load_key(key_path)
    for scenario_id in sorted({entry["scenario"] for entry in key["students"].values()}):
        scenario = catalog.scenario(scenario_id)
        verdict = grading.grade_source(scenario, scenario.reference_path.read_text(encoding="utf-8"),
                                       scenario.file_name, seed=int(key["seed"]),
                                       timeout=float(key.get("timeout", 20.0)), hidden=(key_path.parent,))
        print(f"bughunt: {scenario_id} warmed ({'passes' if verdict.passed else 'FAILS'}, "
              f"{verdict.seconds:.1f} s, isolation {verdict.isolation})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bughunt.course.autograder")
    parser.add_argument("platform", choices=("gradescope", "prairielearn", "warm"))
    options = parser.parse_args(argv)
    if options.platform == "warm":
        root = Path(os.environ.get("BUGHUNT_AUTOGRADER_ROOT", "/autograder"))
        warm(find_key(root, root / "source" / KEY) or root / "source" / KEY)
        return 0
    if options.platform == "gradescope":
        root = Path(os.environ.get("BUGHUNT_AUTOGRADER_ROOT", "/autograder"))
        make = gradescope
    else:
        root = Path(os.environ.get("BUGHUNT_GRADE_ROOT", "/grade"))
        make = prairielearn
    try:
        result = make(root)
    except Exception as error:  # noqa: BLE001 - the platform must get a results.json whatever happens
        print(f"bughunt: could not grade: {type(error).__name__}: {error}", file=sys.stderr)
        result = {"score": 0.0, "output": "The autograder failed; your instructor has been told.", "tests": []} \
            if options.platform == "gradescope" else \
            {"gradable": False, "score": 0.0, "message": "The autograder failed.", "tests": []}
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
