"""Which mutants the checks kill: the maintainer's view of a scenario's strength.

Every mutant of every scenario is run until its first failing check. A killed mutant is
good; a survivor is either declared equivalent in the scenario's metadata (with a reason)
or a weakness of the checks. A declaration that no longer matches is flagged too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bughunt import mutants as mutants_module
from bughunt.judge import grader
from bughunt.catalog import Scenario

# Row statuses; the last two mean the catalog needs work.
KILLED, EQUIVALENT, SURVIVED, STALE = "killed", "equivalent", "survived", "stale-equivalent"


@dataclass
class Row:
    mutant: str  # "l06_advanced.accumulation@zero-grad:24:8"
    scenario: str
    bug_class: str
    site: str
    note: str
    status: str
    check: str = ""  # the first check that failed
    message: str = ""
    reason: str = ""  # why it is declared equivalent
    seconds: float = 0.0


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def problems(self) -> list[Row]:
        return [r for r in self.rows if r.status in (SURVIVED, STALE)]

    def counts(self) -> dict[str, int]:
        return {status: sum(r.status == status for r in self.rows)
                for status in (KILLED, EQUIVALENT, SURVIVED, STALE)}

    def to_json(self) -> dict:
        return {"seconds": round(self.seconds, 3), "counts": self.counts(),
                "mutants_per_second": round(len(self.rows) / self.seconds, 2) if self.seconds else None,
                "mutants": [r.__dict__ for r in self.rows]}


def analyze(scenarios: tuple[Scenario, ...], *, workers: int = 2, seed: int = 0,
            timeout: float = grader.DEFAULT_TIMEOUT) -> Report:
    started = time.perf_counter()
    every = [m for s in scenarios for m in mutants_module.mutants_of(s)]
    jobs = [m.kill_job(seed) for m in every]
    rows: list[Row | None] = [None] * len(every)
    for index, verdict in grader.run_many(jobs, timeout=timeout, workers=workers):
        rows[index] = _row(every[index], verdict)
    report = Report([r for r in rows if r is not None])
    report.rows.extend(_missing_declarations(scenarios, every))
    report.seconds = time.perf_counter() - started
    return report


def _row(mutant: mutants_module.Mutant, verdict: grader.Verdict) -> Row:
    failure = verdict.first_failure
    reason = mutant.equivalent_reason or ""
    if failure is None:
        status = EQUIVALENT if reason else SURVIVED
    else:
        status = STALE if reason else KILLED
    return Row(mutant.id, mutant.scenario.id, mutant.site.mutator, mutant.site.id, mutant.site.note,
               status, failure.name if failure else "", failure.message if failure else "",
               reason, round(verdict.seconds, 3))


def _missing_declarations(scenarios, every) -> list[Row]:
    """Equivalences declared for sites that no longer exist."""
    present = {(m.scenario.id, m.site.id) for m in every}
    return [Row(f"{s.id}@{e.site}", s.id, e.site.split(":")[0], e.site, "", STALE,
                message="declared equivalent, but no such site exists", reason=e.reason)
            for s in scenarios for e in s.equivalents if (s.id, e.site) not in present]
