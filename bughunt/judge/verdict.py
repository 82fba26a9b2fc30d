"""What the judge is asked (`Job`) and what it answers (`Verdict`): plain records, no logic
beyond reading them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bughunt.judge.checking import Outcome, Status

# Budgets, per check: CPU seconds of the candidate's runner (what an endless loop burns and a
# busy machine does not inflate), and a wall-clock backstop for code that only sleeps.
DEFAULT_TIMEOUT = 6.0
MIN_WALL = 10.0
# One file, all checks and its import together, waits at most this long on the candidate;
# with the runners' starts, one hostile file holds `check` for under a minute.
FILE_WALL = 30.0

IMPORTS = "imports"  # the outcome's name when the file fails before any check runs
API = "api"  # ... when it does not define what the scenario asks for


@dataclass(frozen=True)
class Job:
    scenario_id: str
    source: str
    filename: str  # shown in messages; the module's __file__
    stop_at_first_failure: bool = False  # enough to decide whether a mutant is killed
    device: str = "cpu"
    seed: int = 0  # the Hypothesis seed for every check; a secret one also moves explicit seeds
    # Only these checks, in this order (the one known to fail first, when confirming a kill);
    # empty: every check of the scenario, in its own order.
    checks: tuple[str, ...] = ()
    # With stop_at_first_failure: once a check fails and the runner is still sound, the same
    # loaded file is graded again at this check seed, the failed check first (a kill
    # confirmed on a second seed without a second start); the answer is `Verdict.confirmed`.
    confirm_seed: int | None = None


@dataclass
class Verdict:
    scenario_id: str
    filename: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""  # the tail of what the candidate printed
    isolation: str = ""
    seed: int = 0
    confirmed: Verdict | None = None  # the grade at the job's confirm_seed, when it ran

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def first_failure(self) -> Outcome | None:
        return next((o for o in self.outcomes if o.status not in (Status.PASS, Status.NOT_RUN)), None)

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario_id,
            "file": self.filename,
            "passed": self.passed,
            "isolation": self.isolation,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "checks": [o.to_json() for o in self.outcomes],
        }
