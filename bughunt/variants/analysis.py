"""Which mutants the checks kill, on two check seeds: the maintainer's view of the catalog.

Mutants with the same code (equal ASTs, comments and layout aside) are run once; one with
the reference's own code is equivalent by construction. Each remaining mutant runs until
its first failing check, the checks most telling first (their declared priority), so the
first failure of the first mutant of each scenario and bug class is the symptom its
variants show; that check is tried first for the rest of its class, which is where most
of the speed comes from. Every killed mutant is also run on a second check seed (killer
first; by the same runner right after the kill, the file still loaded, where the kill left
it sound): a kill that depends on the seed is a weakness, and so is a reference that fails on
either seed. A survivor is either declared equivalent in the scenario's metadata (with a
reason) or a weakness of the checks; a declaration that no longer matches is flagged too.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from bughunt.catalog import Scenario
from bughunt.judge import grader
from bughunt.judge.checking import Outcome
from bughunt.runner import isolation
from bughunt.variants import difficulty
from bughunt.variants import mutants as mutants_module
from bughunt.variants.mutants import Mutant

# Row statuses; the last four mean the catalog needs work.
KILLED, EQUIVALENT, DUPLICATE = "killed", "equivalent", "duplicate"
SURVIVED, UNSTABLE, STALE, REFERENCE_FAILS = "survived", "unstable", "stale-equivalent", "reference-fails"
STATUSES = (KILLED, EQUIVALENT, DUPLICATE, SURVIVED, UNSTABLE, STALE, REFERENCE_FAILS)
PROBLEMS = (SURVIVED, UNSTABLE, STALE, REFERENCE_FAILS)
SEEDS = (0, 1)
_MAKERS = 2  # processes making the mutants of a first run


@dataclass
class Row:
    mutant: str  # "l06_advanced.accumulation@zero-grad:train:0"
    scenario: str
    bug_class: str
    site: str
    note: str
    status: str
    check: str = ""  # the first check that failed
    message: str = ""
    reason: str = ""  # why it is equivalent (declared, or the code it duplicates)
    seconds: float = 0.0
    symptom: str = ""  # for the first mutant of its class: what a served variant would show


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    references: dict[tuple[str, int], grader.Verdict] = field(default_factory=dict)  # (scenario, seed)

    @property
    def problems(self) -> list[Row]:
        return [r for r in self.rows if r.status in PROBLEMS]

    def counts(self) -> dict[str, int]:
        return {status: sum(r.status == status for r in self.rows) for status in STATUSES}

    def matrix(self) -> list[dict]:
        """Scenario × bug class: sites, and how each ended, with the time they took."""
        cells: dict[tuple[str, str], dict] = {}
        for row in self.rows:
            if row.status == REFERENCE_FAILS:
                continue
            cell = cells.setdefault((row.scenario, row.bug_class), {
                "scenario": row.scenario, "bug_class": row.bug_class, "sites": 0, "seconds": 0.0,
                **{status: 0 for status in STATUSES if status != REFERENCE_FAILS}})
            cell["sites"] += 1
            cell[row.status] += 1
            cell["seconds"] = round(cell["seconds"] + row.seconds, 3)
        return [cells[key] for key in sorted(cells)]

    def to_json(self) -> dict:
        ran = [r for r in self.rows if r.status not in (DUPLICATE, REFERENCE_FAILS)]
        return {"seconds": round(self.seconds, 3), "seeds": list(SEEDS), "counts": self.counts(),
                "mutants_per_second": round(len(ran) / self.seconds, 2) if self.seconds else None,
                "matrix": self.matrix(), "mutants": [r.__dict__ for r in self.rows]}


def analyze(scenarios: tuple[Scenario, ...], *, workers: int = 2, timeout: float = grader.DEFAULT_TIMEOUT,
            progress: Callable[[int, int], None] | None = None) -> Report:
    """Kill every mutant of `scenarios`; `progress(done, total)` is told after each run."""
    started = time.perf_counter()
    with _makers(scenarios) as made, grader.Pool({s.id for s in scenarios}, workers=workers) as pool:
        # While the mutants are made, the runners boot (on a first run, the reference's too).
        pool.prestart(workers)
        pool.boot_references((s.id, seed) for s in scenarios for seed in SEEDS)
        made()
        return _analyze(pool, scenarios, timeout, progress, started)


@contextlib.contextmanager
def _makers(scenarios: tuple[Scenario, ...]) -> Iterator[Callable[[], None]]:
    """`made()` once the mutants libcst still has to make (a first run: 7 s of one core for the
    catalog) are made and kept on disk by two processes forked here, before the grading pool
    starts any thread; where there are few, a thread runs already, or nothing may be kept
    (`process` isolation), `mutants_of` makes them here, as it finds them missing."""
    missing = [s.id for s in scenarios if not mutants_module.kept_whole(s)]
    if len(missing) < 2 or threading.active_count() > 1 or isolation.level() == isolation.PROCESS:
        yield lambda: None
        return
    with ProcessPoolExecutor(_MAKERS, mp_context=multiprocessing.get_context("fork")) as processes:
        making = [processes.submit(mutants_module.made_apart, scenario_id) for scenario_id in missing]

        def made() -> None:
            for each in making:
                each.result()
            mutants_module.forget_kept()

        yield made


def _analyze(pool: grader.Pool, scenarios, timeout: float, progress, started: float) -> Report:
    every = [m for s in scenarios for m in mutants_module.mutants_of(s)]
    rows: dict[int, Row] = {}
    unique = _drop_duplicates(every, rows)
    # Work: the references on both seeds, the first mutant of each class, the rest, then seed 1.
    firsts, rest, seen = [], [], set()
    for index in unique:  # a mutant declared equivalent shows no symptom: it cannot be first
        key = (every[index].scenario.id, every[index].site.mutator)
        first = key not in seen and every[index].equivalent_reason is None
        (firsts if first else rest).append(index)
        seen |= {key} if first else set()
    # Seed 1 re-runs at most every mutant; the total shrinks to the killed ones once known.
    count = {"done": 0, "total": len(SEEDS) * len(scenarios) + 2 * len(unique)}

    def tick() -> None:
        count["done"] += 1
        if progress:
            progress(count["done"], count["total"])

    report = Report()
    passed = _passed_before()
    cached = [Outcome("cached", "pass")]
    report.references.update({(s.id, seed): grader.Verdict(s.id, str(s.reference_path), cached)
                              for s in scenarios for seed in SEEDS if (s.id, seed) in passed})
    references = [grader.Job(s.id, s.reference_path.read_text(encoding="utf-8"), str(s.reference_path),
                             seed=seed) for s in scenarios for seed in SEEDS
                  if (s.id, seed) not in report.references]
    count["total"] -= len(SEEDS) * len(scenarios) - len(references)
    killers: dict[tuple[str, str], str] = {}
    # The first of each class runs its checks most telling first: its first failure is the
    # symptom a variant of that class shows, and the check to try first for the rest. Where
    # the runner is still sound after a kill, it confirms the kill on seed 1 at once, the
    # file still loaded; the others are run again on seed 1 below.
    jobs = references + [every[i].kill_job(SEEDS[0], confirm=SEEDS[1]) for i in firsts]
    verdicts = _run(pool, jobs, timeout, tick)
    for k, job in enumerate(references):
        report.references[(job.scenario_id, job.seed)] = verdicts[k]
    _remember_passes(passed, references, verdicts)
    for k, index in enumerate(firsts):
        verdict = verdicts[len(references) + k]
        rows[index] = _row(every[index], verdict)
        telling = verdict.first_failure
        if telling is not None:
            killers[(every[index].scenario.id, every[index].site.mutator)] = telling.name
            rows[index].check = telling.name
            rows[index].symptom = difficulty.symptom(telling, difficulty.HARD)
    confirmed = {index: verdicts[len(references) + k].confirmed for k, index in enumerate(firsts)}
    jobs = [every[i].kill_job(SEEDS[0], _killer_first(every[i], killers), confirm=SEEDS[1]) for i in rest]
    for k, verdict in enumerate(_run(pool, jobs, timeout, tick)):
        rows[rest[k]] = _row(every[rest[k]], verdict)
        confirmed[rest[k]] = verdict.confirmed
    killed = [i for i in unique if rows[i].status == KILLED]
    unconfirmed = [i for i in killed if confirmed.get(i) is None]  # its runner did not survive the kill
    count["total"] = count["done"] + len(unconfirmed)
    jobs = [every[i].kill_job(SEEDS[1], _killer_first(every[i], {(every[i].scenario.id, every[i].site.mutator):
                                                                 rows[i].check})) for i in unconfirmed]
    confirmed.update(zip(unconfirmed, _run(pool, jobs, timeout, tick)))
    for index in killed:
        row, verdict = rows[index], confirmed[index]
        row.seconds = round(row.seconds + verdict.seconds, 3)
        if verdict.first_failure is None and row.status == KILLED:
            row.status = UNSTABLE
            row.message = f"killed on check seed {SEEDS[0]} by {row.check}, survives seed {SEEDS[1]}"
    report.rows = [rows[i] for i in range(len(every))]
    report.rows.extend(missing_declarations(scenarios, every))
    report.rows.extend(_failing_references(report.references))
    report.seconds = time.perf_counter() - started
    return report


# A reference that passed its checks on a seed passes again as long as no source changed:
# the cache is keyed like the reference's observations (every reference, check and support
# source, and the torch version), so any edit runs it again.

def _passes_file():
    from bughunt.judge.reference import cache_dir, sources_digest

    return cache_dir() / "observations" / f"reference-passes-{sources_digest()}.json"


def _passed_before() -> set[tuple[str, int]]:
    try:
        return {(scenario, seed) for scenario, seed in json.loads(_passes_file().read_text())}
    except (OSError, ValueError, TypeError):
        return set()


def _remember_passes(known: set[tuple[str, int]], jobs: list[grader.Job],
                     verdicts: list[grader.Verdict]) -> None:
    from bughunt.judge.reference import write_atomically

    passed = known | {(job.scenario_id, job.seed) for job, verdict in zip(jobs, verdicts) if verdict.passed}
    write_atomically(_passes_file(), json.dumps(sorted(passed)).encode())


def _run(pool: grader.Pool, jobs: list[grader.Job], timeout: float, tick) -> list[grader.Verdict]:
    verdicts: list[grader.Verdict | None] = [None] * len(jobs)
    if jobs:
        for index, verdict in pool.grade_many(jobs, timeout=timeout):
            verdicts[index] = verdict
            tick()
            if verdict.confirmed is not None:
                tick()
    return verdicts  # type: ignore[return-value]


def _killer_first(mutant: Mutant, killers: dict[tuple[str, str], str]) -> tuple[str, ...]:
    """Every check, most telling first, but the one that killed this class's first mutant
    before all."""
    names = grader.telling_order(mutant.scenario.id)
    killer = killers.get((mutant.scenario.id, mutant.site.mutator))
    return tuple([killer] + [n for n in names if n != killer]) if killer in names else names


def _drop_duplicates(every: list[Mutant], rows: dict[int, Row]) -> list[int]:
    """Indexes of the mutants worth running; rows for the rest (same code as another, or as
    the reference itself)."""
    forms: dict[int, str] = {}
    references: dict[str, str] = {}
    for scenario in {m.scenario for m in every}:
        indexes = [i for i, m in enumerate(every) if m.scenario == scenario]
        found = mutants_module.normal_forms(scenario, [scenario.reference_path.read_text(encoding="utf-8")]
                                            + [every[i].source for i in indexes])
        references[scenario.id] = found[0]
        forms.update(zip(indexes, found[1:]))
    first_with: dict[tuple[str, str], str] = {}
    unique = []
    for index, mutant in enumerate(every):
        scenario, code = mutant.scenario, forms[index]
        if code == references[scenario.id]:
            rows[index] = _plain_row(mutant, EQUIVALENT, "the same code as the reference")
        elif (scenario.id, code) in first_with:
            rows[index] = _plain_row(mutant, DUPLICATE, f"the same code as {first_with[(scenario.id, code)]}")
        else:
            first_with[(scenario.id, code)] = mutant.site.id
            unique.append(index)
    return unique


def _plain_row(mutant: Mutant, status: str, reason: str) -> Row:
    return Row(mutant.id, mutant.scenario.id, mutant.site.mutator, mutant.site.id, mutant.site.note,
               status, reason=reason)


def _row(mutant: Mutant, verdict: grader.Verdict) -> Row:
    failure = verdict.first_failure
    reason = mutant.equivalent_reason or ""
    if failure is None:
        status = EQUIVALENT if reason else SURVIVED
    else:
        status = STALE if reason else KILLED
    return Row(mutant.id, mutant.scenario.id, mutant.site.mutator, mutant.site.id, mutant.site.note,
               status, failure.name if failure else "", failure.message if failure else "",
               reason, round(verdict.seconds, 3))


def missing_declarations(scenarios, every) -> list[Row]:
    """Equivalences declared for sites that no longer exist."""
    present = {(m.scenario.id, m.site.id) for m in every}
    return [Row(f"{s.id}@{e.site}", s.id, e.site.split(":")[0], e.site, "", STALE,
                message="declared equivalent, but no such site exists", reason=e.reason)
            for s in scenarios for e in s.equivalents if (s.id, e.site) not in present]


def _failing_references(references: dict[tuple[str, int], grader.Verdict]) -> list[Row]:
    rows = []
    for (scenario, seed), verdict in sorted(references.items()):
        if not verdict.passed:
            failure = verdict.first_failure
            rows.append(Row(f"{scenario}@reference", scenario, "", f"reference (check seed {seed})", "",
                            REFERENCE_FAILS, failure.name if failure else "",
                            failure.message if failure else "no check ran"))
    return rows
