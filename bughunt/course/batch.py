"""Grading a class: every roster id gets a row, whatever its submission does.

Each submission is graded against its student's own scenario at the course's secret seed,
by the judge, with the candidate in a runner that cannot see the course folder or the other
submissions. Runners are warm zygotes (torch and the checks imported once) that fork a
fresh isolated child per submission, `workers` at a time. A file that does not import,
loops, crashes or attacks its runner fails its checks and is a row; only the judge's own
trouble makes an `error` row, and never stops the batch. Each result is kept in
`DIR/results/` under a hash of the student, the scenario, the seed, the time limit and the
file's bytes: a run that was interrupted, or is run again after a late submission, grades
only what changed. `--shard I/N` grades every N-th student from the I-th, for a batch
scheduler's array of jobs; `course merge` joins the shards.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from bughunt.course import feedback, fingerprint, gradebook, submissions
from bughunt.course.gradebook import Row
from bughunt.course.record import Course
from bughunt.errors import UsageError
from bughunt.judge.verdict import DEFAULT_TIMEOUT

RESULTS, FEEDBACK, SHARDS = "results", "feedback", "shards"
_FORMAT = 1  # of a kept result; a new one regrades everything


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N`: I counts from 1 (a Slurm array 1-N); 0 is taken as N, so an index from 0 (a
    Kubernetes Indexed Job) covers the same slices."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard {text!r} is not I/N (two whole numbers, as in 1/4)") from None
    if count < 1 or not 0 <= index <= count:
        raise UsageError(f"--shard {text!r}: N must be at least 1 and I between 0 and N")
    return (index - 1) % count + 1, count


def sliced(ids: tuple[str, ...], shard: tuple[int, int] | None) -> tuple[str, ...]:
    if shard is None:
        return ids
    index, count = shard
    return tuple(student for position, student in enumerate(ids) if position % count == index - 1)


def grade(course: Course, folder: Path, submitted: Path, *, workers: int = 2, timeout: float = DEFAULT_TIMEOUT,
          shard: tuple[int, int] | None = None, on_row=None) -> list[Row]:
    """A row for every student of the course (or of the shard), in the roster's order;
    `on_row(row)` hears each as it is decided."""
    from bughunt import catalog

    if not submitted.is_dir():
        raise UsageError(f"no such submissions folder: {str(submitted)!r}")
    ids = sliced(course.roster.ids, shard)
    handouts = fingerprint.prints({sid: s.handout for sid, s in course.students.items()})
    rows: dict[str, Row] = {}
    todo: list[tuple[str, Path, str]] = []
    for student in ids:
        entry = course.students[student]
        found = submissions.find(submitted, student, entry.file_name, course.roster.ids)
        if found.path is None:
            status = "error" if found.problem else "missing"
            rows[student] = _row(course, student, status, note=found.problem or "no submission")
            continue
        try:
            source = _read(found.path)
        except UsageError as error:
            rows[student] = _row(course, student, "error", note=str(error), submission=_shown(found.path, submitted))
            continue
        kept = _kept(folder, _key(course, student, source, timeout))
        if kept is not None:
            kept.max_score, kept.score = course.max_score, gradebook.score(kept.status, course.max_score)
            rows[student] = kept
        else:
            todo.append((student, found.path, source))
    for student in ids:
        if student in rows and on_row:
            on_row(rows[student])
    if todo:
        from bughunt.judge import grader, grading

        scenario_ids = sorted({course.students[s].scenario for s, _, _ in todo})
        with grader.Pool(scenario_ids, workers=workers, hidden=[folder.resolve(), submitted.resolve()]) as pool:
            pool.prestart(min(workers, len(todo)))  # runners boot while the judge warms up

            def one(student: str, path: Path, source: str) -> Row:
                entry = course.students[student]
                started = time.monotonic()
                shown = _shown(path, submitted)
                try:
                    verdict = grading.grade_source(catalog.scenario(entry.scenario), source, entry.file_name,
                                                   seed=course.seed, timeout=timeout, pool=pool)
                except Exception as error:  # noqa: BLE001 - the judge's trouble is this row's, not the batch's
                    return _row(course, student, "error", note=f"{type(error).__name__}: {error}",
                                submission=shown, seconds=time.monotonic() - started)
                row = _from_verdict(course, student, verdict, shown, source, handouts)
                _keep(folder, _key(course, student, source, timeout), row)
                return row

            with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="bughunt-course") as threads:
                futures = [threads.submit(one, *item) for item in todo]
                try:
                    for future in as_completed(futures):
                        row = future.result()
                        rows[row.id] = row
                        if on_row:
                            on_row(row)
                except BaseException:
                    # Ctrl-C: what is graded is kept in results/; the rest waits for the next run.
                    for future in futures:
                        future.cancel()
                    raise
    ordered = [rows[student] for student in ids]
    write_feedback(course, folder, ordered)
    if shard is not None:
        gradebook.save_rows(ordered, shard_path(folder, *shard))
    return ordered


def shard_path(folder: Path, index: int, count: int) -> Path:
    return folder / SHARDS / f"{index}-of-{count}.json"


def merged(course: Course, folder: Path) -> list[Row]:
    """The rows of a complete set of shards, in the roster's order."""
    splits: dict[int, dict[int, Path]] = {}
    for path in sorted((folder / SHARDS).glob("*-of-*.json")):
        index, _, count = path.stem.partition("-of-")
        if index.isdigit() and count.isdigit():
            splits.setdefault(int(count), {})[int(index)] = path
    if not splits:
        raise UsageError(f"no shards in {str(folder / SHARDS)!r}; run `bughunt course grade --shard I/N` first")
    complete = {count: paths for count, paths in splits.items() if set(paths) == set(range(1, count + 1))}
    if not complete:
        count, paths = max(splits.items())
        missing = sorted(set(range(1, count + 1)) - set(paths))
        raise UsageError(f"shards {', '.join(f'{i}/{count}' for i in missing)} have not been graded")
    # The most recent complete split, should the class have been split two ways.
    paths = max(complete.values(), key=lambda ps: max(p.stat().st_mtime for p in ps.values()))
    rows = {row.id: row for path in paths.values() for row in gradebook.load_rows(path)}
    missing = [student for student in course.roster.ids if student not in rows]
    if missing:
        raise UsageError(f"the shards have no row for {', '.join(missing[:5])}; grade them again")
    return [rows[student] for student in course.roster.ids]


def write_feedback(course: Course, folder: Path, rows: list[Row]) -> None:
    from bughunt import catalog

    target = folder / FEEDBACK
    target.mkdir(parents=True, exist_ok=True)
    for row in rows:
        title = catalog.scenario(row.scenario).title
        (target / f"{row.id}.md").write_text(feedback.markdown(row, title), encoding="utf-8")


def _from_verdict(course: Course, student: str, verdict, shown: str, source: str, handouts: dict) -> Row:
    from bughunt.judge.grader import IMPORTS

    outcomes = verdict.outcomes
    status = "passed" if verdict.passed else "failed" if outcomes else "error"
    # A file that does not import fails every check; its import is no check of its own.
    counted = [o for o in outcomes if o.name != IMPORTS]
    passed = sum(1 for o in counted if o.passed)
    checks = [{"name": o.name, "status": o.status, "symptom": o.symptom, "message": o.message,
               "example": o.example} for o in outcomes]
    copied = fingerprint.made_from(source, student, handouts)
    row = _row(course, student, status, submission=shown, seconds=verdict.seconds,
               note="" if outcomes else "the judge returned no outcome")
    row.checks_passed, row.checks_total, row.checks = passed, len(counted), checks
    row.copied_from, row.isolation = ";".join(copied), verdict.isolation
    row.sha256 = hashlib.sha256(source.encode()).hexdigest()
    return row


def _row(course: Course, student: str, status: str, *, note: str = "", submission: str = "",
         seconds: float = 0.0) -> Row:
    entry = course.students[student]
    return Row(student, entry.scenario, entry.bug_class, status, gradebook.score(status, course.max_score),
               course.max_score, 0, 0, seconds, note=note, submission=submission)


def _read(path: Path) -> str:
    from bughunt.judge import grading

    return grading.read_candidate(path)


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def _key(course: Course, student: str, source: str, timeout: float) -> str:
    entry = course.students[student]
    material = json.dumps([_FORMAT, student, entry.scenario, entry.variant, course.seed, timeout, source])
    return hashlib.sha256(material.encode()).hexdigest()


def _kept(folder: Path, key: str) -> Row | None:
    path = folder / RESULTS / f"{key}.json"
    try:
        return Row.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # not graded yet, or a result cut short: grade again


def _keep(folder: Path, key: str, row: Row) -> None:
    target = folder / RESULTS
    target.mkdir(parents=True, exist_ok=True)
    temporary = target / f".{key}.{os.getpid()}.{id(row)}.tmp"
    temporary.write_text(json.dumps(row.to_json()), encoding="utf-8")
    os.replace(temporary, target / f"{key}.json")
