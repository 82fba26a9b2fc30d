"""Making a course's hand-outs: the assignment dealt, each student's variant certified (the
checks kill it at the course's secret seed) and disguised with their own camouflage seed,
written as `handouts/<id>/<file>` and `BRIEF.md`, with the private record beside them."""

from __future__ import annotations

from pathlib import Path

from bughunt.course import assignment, fingerprint, record
from bughunt.course.roster import Roster
from bughunt.errors import UsageError

FOLDER = "handouts"
# Disguises tried per student for a hand-out that reads differently from the others of
# its scenario (fingerprint.DISTINCT); the most different one is kept after that.
_ATTEMPTS = 4


def make(roster: Roster, level: str, secret: int, *, bugs: int = 1, difficulty: str = "normal",
         workers: int = 2, progress=None) -> record.Course:
    """Every student's certified, disguised variant; `progress(message)` hears each stage."""
    from bughunt import catalog
    from bughunt.variants import generator

    scenarios = catalog.resolve(level)
    available = assignment.pools(scenarios, secret, bugs)
    dead: set[tuple[str, tuple]] = set()
    certified: dict[tuple, generator.Variant | None] = {}  # by (student, scenario, sites, attempt)
    attempts: dict[str, int] = {}
    tried: dict[str, list] = {}  # a student's certified disguises, for the most distinct one
    while True:
        plan = assignment.deal(roster.ids, available, secret, frozenset(dead))
        if not plan:
            raise UsageError(f"no bug of {level!r} is killed by its checks with these options")
        keys = {a.student: (a.student, a.scenario.id, a.sites, attempts.get(a.student, 0)) for a in plan}
        todo = [a for a in plan if keys[a.student] not in certified]
        if todo:
            if progress:
                progress(f"certifying {len(todo)} variants")
            picks = [(a.scenario, a.sites, assignment.disguise_seed(secret, a.student, keys[a.student][3]))
                     for a in todo]
            for a, variant in zip(todo, generator.certify(picks, check_seed=secret, difficulty=difficulty,
                                                          workers=workers)):
                certified[keys[a.student]] = variant
        lost = [a for a in plan if certified[keys[a.student]] is None]
        if lost:  # the checks spare this bug (or its disguise): nobody gets it
            dead.update((a.scenario.id, a.sites) for a in lost)
            continue
        again = _too_alike(plan, keys, certified, attempts, tried)
        if not again:
            break
        for student in again:
            attempts[student] = attempts.get(student, 0) + 1
    students = {}
    for a in plan:
        variant = tried.get(a.student, [certified[keys[a.student]]])
        variant = max(variant, key=lambda v: _nearest(v, a, plan, keys, certified)) if len(variant) > 1 \
            else variant[0]
        students[a.student] = _student(a, variant)
    return record.Course(level, secret, bugs, difficulty, roster, students)


def _too_alike(plan, keys, certified, attempts, tried) -> list[str]:
    """Students whose hand-out is within fingerprint.DISTINCT lines of an earlier one of the
    same scenario, and who have disguises left to try."""
    again = []
    for index, a in enumerate(plan):
        variant = certified[keys[a.student]]
        tried.setdefault(a.student, [])
        if variant not in tried[a.student]:
            tried[a.student].append(variant)
        if attempts.get(a.student, 0) + 1 >= _ATTEMPTS:
            continue
        if _nearest(variant, a, plan[:index], keys, certified) < fingerprint.DISTINCT:
            again.append(a.student)
    return again


def _nearest(variant, a, others, keys, certified) -> int:
    """How far `variant`'s text is from the nearest other hand-out of its scenario."""
    mine = fingerprint.lines(variant.source)
    distances = [fingerprint.distance(mine, fingerprint.lines(certified[keys[o.student]].source))
                 for o in others if o.scenario == a.scenario and o.student != a.student]
    return min(distances, default=10**6)


def _student(a: assignment.Assignment, variant) -> record.Student:
    from bughunt.variants import dressing

    manifest = variant.manifest("")
    return record.Student(a.student, a.scenario.id, variant.id, variant.bug_class, manifest["site"],
                          variant.disguise, a.scenario.file_name, variant.source,
                          dressing.fixed_text(a.scenario, manifest), variant.symptom, variant.check,
                          variant.digest)


def write(course: record.Course, out: Path) -> None:
    """The hand-outs and course.json under `out`; a hand-out a student may already have is
    never silently replaced by a different one."""
    from bughunt import catalog
    from bughunt.learner.brief import brief_markdown

    clashes = []
    for student in course.students.values():
        path = out / FOLDER / student.id / student.file_name
        if path.exists() and path.read_text(encoding="utf-8") != student.handout:
            clashes.append(str(path))
    if clashes:
        raise UsageError(f"refusing to overwrite different hand-outs: {', '.join(clashes[:3])}"
                         f"{' …' if len(clashes) > 3 else ''}; choose another --out")
    for student in course.students.values():
        folder = out / FOLDER / student.id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / student.file_name).write_text(student.handout, encoding="utf-8")
        scenario = catalog.scenario(student.scenario)
        (folder / "BRIEF.md").write_text(brief_markdown(scenario, symptom=student.symptom, handout=True),
                                         encoding="utf-8")
    record.write(course, out)
