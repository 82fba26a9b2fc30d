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
    certified: dict[tuple, generator.Variant | None] = {}  # by (scenario, sites, disguise seed)
    texts: dict[tuple, str] = {}  # dressed texts, by the same key: choosing a disguise is cheap
    while True:
        plan = assignment.deal(roster.ids, available, secret, frozenset(dead))
        if not plan:
            raise UsageError(f"no bug of {level!r} is killed by its checks with these options")
        if progress:
            progress(f"disguising {len(plan)} hand-outs")
        keys = _disguises(plan, secret, difficulty, texts)
        todo = list(dict.fromkeys(keys[a.student] for a in plan if keys[a.student] not in certified))
        if todo:
            if progress:
                progress(f"certifying {len(todo)} variants")
            picks = [(catalog.scenario(scenario_id), sites, seed) for scenario_id, sites, seed in todo]
            for key, variant in zip(todo, generator.certify(picks, check_seed=secret, difficulty=difficulty,
                                                            workers=workers)):
                certified[key] = variant
        lost = [a for a in plan if certified[keys[a.student]] is None]
        if not lost:
            break
        # The checks spare this bug (or its disguise) at the secret seed: nobody gets it.
        dead.update((a.scenario.id, a.sites) for a in lost)
    students = {a.student: _student(a, certified[keys[a.student]]) for a in plan}
    return record.Course(level, secret, bugs, difficulty, roster, students)


def _disguises(plan: list[assignment.Assignment], secret: int, difficulty: str,
               texts: dict[tuple, str]) -> dict[str, tuple]:
    """Each student's (scenario, sites, disguise seed): the first of their seeds whose text
    differs from every earlier hand-out of the scenario in fingerprint.DISTINCT lines, else
    the one that differs most (a scenario's camouflage has only so many spellings)."""
    from bughunt.variants import dressing, mutants

    chosen: dict[str, tuple] = {}
    taken: dict[str, list] = {}  # the scenario's hand-outs so far, as fingerprint lines
    for a in plan:
        best = None
        for attempt in range(_ATTEMPTS):
            key = (a.scenario.id, a.sites, assignment.disguise_seed(secret, a.student, attempt))
            if key not in texts:
                buggy = mutants.combine(a.scenario, a.sites) if len(a.sites) > 1 else \
                    mutants.make(a.scenario, a.sites[0])
                texts[key] = dressing.dress(buggy.source, a.scenario, buggy.sites, key[2], difficulty) \
                    if buggy is not None else ""
            lines = fingerprint.lines(texts[key])
            nearest = min((fingerprint.distance(lines, other) for other in taken.get(a.scenario.id, [])),
                          default=10**6)
            if best is None or nearest > best[0]:
                best = (nearest, key, lines)
            if nearest >= fingerprint.DISTINCT:
                break
        chosen[a.student] = best[1]
        taken.setdefault(a.scenario.id, []).append(best[2])
    return chosen


def _student(a: assignment.Assignment, variant) -> record.Student:
    from bughunt.variants import dressing

    manifest = variant.manifest("")
    return record.Student(a.student, a.scenario.id, variant.id, variant.bug_class, manifest.site,
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
