"""The judge: grade candidate sources against a scenario's checks, with the candidate elsewhere.

For every check, Hypothesis draws the examples here; each example goes to a runner process
(`bughunt.runner`) that observes the candidate, while the reference's observation comes from
`Reference` in this process; `compare` decides. This process never executes candidate code,
so nothing the candidate does can change the reference, the comparison or the verdict.

Every check gets an outcome. A runner that crashes, sends garbage or misses the check's
deadline is killed with everything it started; that check fails, and a fresh runner takes
the checks that remain. The runner's start-up (`START_TIMEOUT`) and the candidate's import
(three check deadlines, at least 10 s) have bounds of their own, outside every check's
deadline, so a busy machine does not fail correct code.
"""

from __future__ import annotations

import ast
import atexit
import importlib
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported anywhere

from bughunt import catalog, series  # noqa: E402
from bughunt.judge.reference import cache_dir  # noqa: E402

# Hypothesis keeps nothing beside the learner's file: its few caches go to ours.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache_dir() / "hypothesis"))

from bughunt.judge.checking import Check, Outcome, describe, run_property, show_example  # noqa: E402
from bughunt.judge.reference import Reference, close_observers, observer  # noqa: E402
from bughunt.runner import isolation  # noqa: E402
from bughunt.runner.client import Runner, RunnerLost  # noqa: E402

DEFAULT_TIMEOUT = 20.0  # seconds per check
_MAX_RESTARTS = 3  # fresh runners for one candidate after crashes or time-outs
IMPORTS = "imports"


@dataclass(frozen=True)
class Job:
    scenario_id: str
    source: str
    filename: str  # shown in messages; the module's __file__
    stop_at_first_failure: bool = False  # enough to decide whether a mutant is killed
    device: str = "cpu"
    seed: int = 0  # the Hypothesis seed for every check
    # Only these checks, in this order (the one known to fail first, when confirming a kill);
    # empty: every check of the scenario, in its own order.
    checks: tuple[str, ...] = ()


@dataclass
class Verdict:
    scenario_id: str
    filename: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""  # the tail of what the candidate printed
    isolation: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def first_failure(self) -> Outcome | None:
        return next((o for o in self.outcomes if o.status not in ("pass", "not-run")), None)

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario_id,
            "file": self.filename,
            "passed": self.passed,
            "isolation": self.isolation,
            "seconds": round(self.seconds, 3),
            "checks": [o.to_json() for o in self.outcomes],
        }


class _Stop(BaseException):
    """Ends a Hypothesis run at the first failing example, carrying the outcome (a
    BaseException, so Hypothesis neither replays nor shrinks it)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.status)
        self.outcome = outcome


_references_lock = threading.Lock()
_references: dict[tuple[str, str], Reference] = {}


def checks_of(scenario_id: str) -> tuple[Check, ...]:
    return importlib.import_module(catalog.scenario(scenario_id).checks_module).CHECKS


def reference_of(scenario_id: str, device: str, group: Iterable[str] = ()) -> Reference:
    """The reference of `scenario_id`; made the first time with one runner observing the
    references of the whole `group` (the scenarios graded together)."""
    with _references_lock:
        key = (scenario_id, device)
        if key not in _references:
            shared = observer(frozenset(group) | {scenario_id}, device)
            _references[key] = Reference(catalog.scenario(scenario_id), device, observer=shared)
        return _references[key]


def warm_up(scenario_ids: Iterable[str], device: str = "cpu") -> None:
    """Import the checks here (their strategies and comparisons), once; the references of
    the scenarios graded together share one runner."""
    from bughunt import lazy_dynamo, placement

    lazy_dynamo.install()
    placement.set_device(device)  # comparisons may ask which device the checks ran on
    group = sorted(set(scenario_ids))
    for scenario_id in group:
        checks_of(scenario_id)
        reference_of(scenario_id, device, group)


@atexit.register
def close_references() -> None:
    """Stop the reference runners (they would also go with this process)."""
    with _references_lock:
        references = list(_references.values())
    for reference in references:
        reference.close()
    close_observers()


def hidden_paths(extra: Iterable[Path] = ()) -> list[Path]:
    """What the runner must not see: the reference, the cache, the learner's workspace."""
    import clean_reference

    paths = [Path(p) for p in clean_reference.__path__] + [cache_dir()]
    if os.environ.get("BUGHUNT_WORKSPACE"):
        paths.append(Path(os.environ["BUGHUNT_WORKSPACE"]))
    return paths + list(extra)


def allowed_references(scenario_ids: Iterable[str]) -> list[Path]:
    """The reference files a candidate may import: what the judged references import from
    earlier levels (later levels plug in earlier ones), never the judged modules themselves,
    plus the package `__init__` files on the way."""
    import clean_reference

    root = Path(clean_reference.__file__).parent
    judged = {catalog.scenario(s).reference_path.resolve() for s in scenario_ids}
    allowed: set[Path] = set()
    todo = list(judged)
    while todo:
        current = todo.pop()
        package = ["clean_reference", *current.parent.relative_to(root).parts]
        for name in _imported_modules(ast.parse(current.read_text(encoding="utf-8")), package):
            if not name.startswith("clean_reference."):
                continue
            parts = name.split(".")[1:]
            for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
                candidate = candidate.resolve()
                if candidate.is_file() and candidate not in allowed and candidate not in judged:
                    allowed.add(candidate)
                    todo.append(candidate)
    packages = {root / "__init__.py"} | {p.parent / "__init__.py" for p in allowed}
    return sorted(allowed | {p.resolve() for p in packages if p.is_file()})


def _imported_modules(tree, package: list[str]) -> list[str]:
    """Every module an import in `tree` may load, relative imports resolved, `from a import b`
    counted as both `a` and `a.b`."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


class Pool:
    """Runners for a set of scenarios, `workers` at a time. `fresh`: a new runner for every
    candidate (hostile code: `check`, `submit`); otherwise warm runners are reused."""

    def __init__(self, scenario_ids: Iterable[str], *, device: str = "cpu", workers: int = 1,
                 fresh: bool = False, hidden: Iterable[Path] = ()) -> None:
        self.scenario_ids = sorted(set(scenario_ids))
        self.device = device
        self.workers = max(1, workers)
        self.fresh = fresh
        self.hidden = hidden_paths(hidden)
        # Each scenario's own allowance (a pool of several grades our own mutants, so one
        # scenario's judged module may be another's import). Computed here, in the caller's
        # thread: CPython 3.11's ast.parse is not safe across threads.
        self.shown = sorted({p for s in self.scenario_ids for p in allowed_references([s])})
        self._idle: list[Runner] = []
        self._lock = threading.Lock()

    def _modules(self) -> list[str]:
        return [catalog.scenario(s).checks_module for s in self.scenario_ids]

    def _take(self) -> Runner:
        with self._lock:
            while self._idle:
                runner = self._idle.pop()
                if runner.alive:
                    return runner
        return Runner(self._modules(), self.device, self.hidden, self.shown)

    def _give_back(self, runner: Runner) -> None:
        if self.fresh or not runner.alive:
            runner.close()
            return
        with self._lock:
            self._idle.append(runner)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for runner in idle:
            runner.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def prestart(self, count: int) -> None:
        """Start runners now: they boot (Python, torch, the checks) while this process
        imports the same for its own side, on the other core."""
        with self._lock:
            missing = count - len(self._idle)
        for _ in range(missing):
            runner = Runner(self._modules(), self.device, self.hidden, self.shown)
            with self._lock:
                self._idle.append(runner)

    def grade(self, job: Job, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
        self.prestart(1)
        warm_up(self.scenario_ids if job.device == self.device else [job.scenario_id], job.device)
        grading = _Grading(self, job, timeout)
        try:
            return grading.run()
        finally:
            reference_of(job.scenario_id, job.device).save()

    def grade_many(self, jobs: list[Job], timeout: float = DEFAULT_TIMEOUT) -> Iterator[tuple[int, Verdict]]:
        """Yield `(index, verdict)` for every job as it finishes, `workers` at a time."""
        self.prestart(min(self.workers, len(jobs)))
        warm_up(self.scenario_ids, self.device)
        todo: queue.Queue = queue.Queue()
        for item in enumerate(jobs):
            todo.put(item)
        done: queue.Queue = queue.Queue()

        def work() -> None:
            while True:
                try:
                    index, job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put((index, _Grading(self, job, timeout).run()))
                except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                    done.put((index, error))

        threads = [threading.Thread(target=work, daemon=True) for _ in range(min(self.workers, len(jobs)))]
        for thread in threads:
            thread.start()
        for _ in jobs:
            index, result = done.get()
            if isinstance(result, BaseException):
                raise result
            yield index, result
        for thread in threads:
            thread.join()
        for scenario_id in {j.scenario_id for j in jobs}:
            reference_of(scenario_id, self.device).save()


def telling_order(scenario_id: str) -> tuple[str, ...]:
    """The scenario's checks, most telling first (by priority, then their own order): run
    in this order and stopped at the first failure, a job finds the symptom a learner
    should see without running every check."""
    checks = checks_of(scenario_id)
    return tuple(c.name for _, _, c in sorted((c.priority, i, c) for i, c in enumerate(checks)))


def _chosen(checks: tuple[Check, ...], names: tuple[str, ...]) -> tuple[Check, ...]:
    if not names:
        return checks
    by_name = {c.name: c for c in checks}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"no check named {', '.join(unknown)}")
    return tuple(by_name[n] for n in names)


class _Grading:
    """One candidate through the checks of its scenario."""

    def __init__(self, pool: Pool, job: Job, timeout: float) -> None:
        self.pool, self.job, self.timeout = pool, job, timeout
        self.scenario = catalog.scenario(job.scenario_id)
        self.checks = _chosen(checks_of(job.scenario_id), job.checks)
        self.reference = reference_of(job.scenario_id, job.device)
        self.runner: Runner | None = None
        self.output: list[str] = []
        self.restarts = 0

    def run(self) -> Verdict:
        started = time.monotonic()
        outcomes: list[Outcome] = []
        try:
            problem = self._start()
            if problem is not None:
                outcomes.append(problem)
            else:
                for chk in self.checks:
                    outcome = self._check(chk)
                    outcomes.append(outcome)
                    if self.job.stop_at_first_failure and not outcome.passed:
                        break
                    if self.runner is None or not self.runner.alive:
                        if chk is self.checks[-1] or self.restarts >= _MAX_RESTARTS:
                            break
                        problem = self._start()
                        if problem is not None:
                            break
        finally:
            self._finish()
        if not self.job.stop_at_first_failure:
            reached = {o.name for o in outcomes}
            outcomes += [Outcome(c.name, "not-run") for c in self.checks if c.name not in reached]
        return Verdict(self.job.scenario_id, self.job.filename, outcomes, time.monotonic() - started,
                       "\n".join(t for t in self.output if t)[-2000:], isolation.level())

    def _start(self) -> Outcome | None:
        """A runner with the candidate loaded; an outcome when that cannot be."""
        if self.runner is not None:
            self._finish()
            self.restarts += 1
        self.runner = self.pool._take()
        try:
            failure = self.runner.load(self.job.source, self.job.filename,
                                       f"candidate_{self.scenario.module_name}", self.scenario.checks_module,
                                       load_timeout=3 * self.timeout)
        except RunnerLost as lost:
            return Outcome(IMPORTS, lost.status, "the module fails as soon as it is imported", lost.message)
        if failure is not None:
            return Outcome(IMPORTS, "fail", "the module fails as soon as it is imported",
                           f"the file could not be imported: {failure}")
        return None

    def _finish(self) -> None:
        runner, self.runner = self.runner, None
        if runner is None:
            return
        self.output.append(runner.output_tail())
        try:
            runner.end()
        except RunnerLost:
            pass
        self.pool._give_back(runner)

    def _check(self, chk: Check) -> Outcome:
        started = time.monotonic()
        runner = self.runner
        budget = [self.timeout]  # only the runner's time counts: never the judge's own work

        def prop(**drawn) -> None:
            shown = show_example(drawn)
            asked = time.monotonic()
            try:
                status, got = runner.observe(chk.name, drawn, asked + budget[0])
                budget[0] -= time.monotonic() - asked
            except RunnerLost as lost:
                message = lost.message if lost.status != "timeout" else \
                    f"did not finish within {self.timeout:g} s: an endless loop, or far too slow"
                raise _Stop(Outcome(chk.name, lost.status, chk.symptom, message, shown)) from None
            if status != "observation":
                raise _Stop(Outcome(chk.name, "not-implemented" if status == "not-implemented" else "fail",
                                    chk.symptom, got, shown, raised=status == "error"))
            expected = self.reference.observe(chk, drawn)
            try:
                chk.compare(got, expected, **drawn)
            except Exception as error:  # noqa: BLE001 - a comparison that fails, however it fails
                # The picture of the symptom (guarded in series.draw: it never changes a verdict).
                raise _Stop(Outcome(chk.name, "fail", chk.symptom, describe(error), shown,
                                    series=series.draw(chk.draw, got, expected, drawn))) from None

        try:
            run_property(chk, prop, self.job.seed)
        except _Stop as stop:
            stop.outcome.seconds = time.monotonic() - started
            stop.outcome.priority = chk.priority
            return stop.outcome
        return Outcome(chk.name, "pass", seconds=time.monotonic() - started)


def run(job: Job, timeout: float = DEFAULT_TIMEOUT, hidden: Iterable[Path] = ()) -> Verdict:
    """Grade one untrusted candidate in a fresh runner of its own."""
    with Pool([job.scenario_id], device=job.device, fresh=True, hidden=hidden) as pool:
        return pool.grade(job, timeout)


def run_many(jobs: list[Job], timeout: float = DEFAULT_TIMEOUT, workers: int = 2) -> Iterator[tuple[int, Verdict]]:
    """Grade many candidates of our own making (mutants) on warm, reused runners."""
    if not jobs:
        return
    with Pool({j.scenario_id for j in jobs}, device=jobs[0].device, workers=workers) as pool:
        yield from pool.grade_many(jobs, timeout)
