"""The grading loop: one candidate source through its scenario's checks, the candidate elsewhere.

For every check, Hypothesis draws the examples here; each example goes to a runner process
(`bughunt.runner`) that observes the candidate, while the reference's observation comes from
`reference.Reference`; `compare` decides, here. This process never executes candidate code,
so nothing the candidate does can change the reference, the comparison or the verdict.

Before a runner is asked anything, the file is read (never run): over `api.MAX_SOURCE`, or
without the scenario's public API, it fails as it is. Every check then gets an outcome. A
runner that crashes, sends garbage, tampers with the grader or spends its check's `Budget`
(CPU seconds; wall seconds for a sleeper) is killed with everything it started; that check
fails, and a fresh runner takes the checks that remain, until the file's own wall budget
(`FILE_WALL`) is spent. The runner's start-up has a bound of its own (`client.START_TIMEOUT`)
outside every budget, so a busy machine does not fail correct code.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import queue
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from bughunt import catalog, series
from bughunt.inert_strategies import inert, inert_hypothesis
from bughunt.judge import api, examples
from bughunt.judge.checking import Check, Outcome, Status, describe, show_example
from bughunt.judge.reference import reference_of
from bughunt.judge.runners import Runners
from bughunt.judge.verdict import API, DEFAULT_TIMEOUT, FILE_WALL, IMPORTS, MIN_WALL, Job, Verdict
from bughunt.runner import isolation
from bughunt.runner.client import Budget, RunnerLost
from bughunt.runner.visibility import cache_dir
from bughunt.wire import Op

__all__ = ["DEFAULT_TIMEOUT", "Job", "Verdict", "Pool", "checks_of", "telling_order", "warm_up", "run",
           "run_many"]

MAX_RESTARTS = 3  # fresh runners for one candidate after crashes or time-outs
SEED_SPAN = 2**16 + 1  # explicit example seeds, as the checks draw them: 0 ..= 2**16


def _settle_environment() -> None:
    """Before torch and Hypothesis are imported here: one thread for torch's kernels, and
    Hypothesis's few files in our cache rather than beside the learner's file."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache_dir() / "hypothesis"))


def checks_of(scenario_id: str, drawing: bool | None = None) -> tuple[Check, ...]:
    """The scenario's checks, imported once. `drawing=False`: this process will draw no
    example, so an import here is made beside inert stand-ins for Hypothesis. `True`: these
    checks will draw, so ones imported beside the stand-ins (by an earlier grade whose
    examples were all kept) are imported once more, with every scenarios module they use,
    and the real Hypothesis. `None`: as imported (their names, comparisons, symptoms)."""
    _settle_environment()
    name = catalog.scenario(scenario_id).checks_module
    with inert_hypothesis() if drawing is False else contextlib.nullcontext():
        checks = importlib.import_module(name).CHECKS
    if drawing and any(inert(c.given) for c in checks):
        for module in [m for m in sys.modules if m == "scenarios" or m.startswith("scenarios.")]:
            del sys.modules[module]
        checks = importlib.import_module(name).CHECKS
    return checks


def warm_up(scenario_ids: Iterable[str], device: str = "cpu", drawing: bool | None = None) -> None:
    """Import the checks here (their strategies and comparisons), once, and read the
    references' cached observations; the references of the scenarios graded together share
    one runner."""
    _settle_environment()
    from bughunt import lazy_dynamo, placement

    lazy_dynamo.install()
    placement.set_device(device)  # comparisons may ask which device the checks ran on
    group = sorted(set(scenario_ids))
    for scenario_id in group:
        reference_of(scenario_id, device, group).load()
        checks_of(scenario_id, drawing)


def telling_order(scenario_id: str) -> tuple[str, ...]:
    """The scenario's checks, most telling first (by priority, then their own order): run
    in this order and stopped at the first failure, a job finds the symptom a learner
    should see without running every check."""
    checks = checks_of(scenario_id)
    return tuple(c.name for _, _, c in sorted((c.priority, i, c) for i, c in enumerate(checks)))


class Pool(Runners):
    """Runners for a set of scenarios, and the grading of candidates with them."""

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def grade(self, job: Job, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
        self.prestart(1)
        group = self.scenario_ids if job.device == self.device else [job.scenario_id]
        reference = reference_of(job.scenario_id, job.device, group)
        kept = examples.complete(reference, job.seed)
        if not kept:  # so the reference has observations to make: its runner boots now, beside the candidate's
            reference.observer.boot()
        # One candidate, and every example it needs already drawn: no Hypothesis at all.
        drawing = not (self.fresh and kept)
        warm_up(group, job.device, drawing)
        try:
            return _Grading(self, job, timeout, drawing).run()
        finally:
            if drawing:
                examples.mark_complete(reference, [c.name for c in checks_of(job.scenario_id)], job.seed)
            reference.save()

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


def _chosen(checks: tuple[Check, ...], names: tuple[str, ...]) -> tuple[Check, ...]:
    if not names:
        return checks
    by_name = {c.name: c for c in checks}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"no check named {', '.join(unknown)}")
    return tuple(by_name[n] for n in names)


def with_secret(chk: Check, secret: int) -> Check:
    """`chk` with the seeds of its explicit examples moved by `secret` (0: unchanged), so a
    table of the published examples' answers is no use against a secret seed. The moved
    seeds stay in the range the checks draw theirs from."""
    if not secret or not any("seed" in e for e in chk.examples):
        return chk

    def moved(example, index: int) -> dict:
        seed = example.get("seed")
        if type(seed) is not int or not 0 <= seed < SEED_SPAN:
            return dict(example)
        digest = hashlib.sha256(f"{secret}:{chk.name}:{index}:{seed}".encode()).digest()
        return {**example, "seed": int.from_bytes(digest[:8], "big") % SEED_SPAN}

    return replace(chk, examples=tuple(moved(e, i) for i, e in enumerate(chk.examples)))


class _Grading:
    """One candidate through the checks of its scenario."""

    def __init__(self, pool: Pool, job: Job, timeout: float, drawing: bool = True) -> None:
        self.pool, self.job, self.timeout, self.drawing = pool, job, timeout, drawing
        self.scenario = catalog.scenario(job.scenario_id)
        # The explicit examples' seeds moved by the secret seed, once for the whole grade.
        self.checks = tuple(with_secret(c, job.seed)
                            for c in _chosen(checks_of(job.scenario_id, drawing), job.checks))
        self.reference = reference_of(job.scenario_id, job.device)
        self.runner = None
        self.output: list[str] = []
        self.restarts = 0
        self.wall_left = FILE_WALL  # the file's own: waits on its import and observations

    def run(self, loaded: bool = False) -> Verdict:
        """`loaded`: `self.runner` already holds the file (handed on by a grade it confirms)."""
        started = time.monotonic()
        outcomes: list[Outcome] = []
        confirmed = None
        self.reference.load()  # the cache is read before any candidate code runs
        ahead = None
        try:
            problem = None if loaded else self._read()
            if problem is None:
                examples.draw_ahead(self.job.scenario_id, self.checks, self.job.seed, self.reference)
                if not self.job.stop_at_first_failure:  # every example will be asked for
                    ahead = self.reference.ahead(self._every_example())
                problem = None if loaded else self._start()
            if problem is not None:
                outcomes.append(problem)
            else:
                for chk in self.checks:
                    outcome = self._check(chk)
                    outcomes.append(outcome)
                    if self.job.stop_at_first_failure and not outcome.passed:
                        break
                    if self.runner is None or not self.runner.alive:
                        if chk is self.checks[-1] or self.restarts >= MAX_RESTARTS or self.wall_left <= 0:
                            break
                        problem = self._start()
                        if problem is not None:
                            break
                confirmed = self._confirm(outcomes)
        finally:
            if ahead is not None:
                ahead.stop()
            self._finish()
        if not self.job.stop_at_first_failure:
            reached = {o.name for o in outcomes}
            spent = self.wall_left <= 0  # the file's own budget: what is left counts as timed out
            outcomes += [Outcome(c.name, Status.TIMEOUT, c.symptom, self._spent_message()) if spent
                         else Outcome(c.name, Status.NOT_RUN) for c in self.checks if c.name not in reached]
        seconds = time.monotonic() - started - (confirmed.seconds if confirmed else 0.0)
        return Verdict(self.job.scenario_id, self.job.filename, outcomes, seconds,
                       "\n".join(t for t in self.output if t)[-2000:], isolation.level(), self.job.seed,
                       confirmed)

    def _confirm(self, outcomes: list[Outcome]) -> Verdict | None:
        """The grade at the job's confirm_seed, in this runner, the failed check first; None
        when not asked, nothing failed, or the runner did not survive the failure."""
        seed = self.job.confirm_seed
        failed = outcomes[-1] if outcomes else None
        if (seed is None or not self.job.stop_at_first_failure or failed is None or failed.passed
                or self.runner is None or not self.runner.alive):
            return None
        names = tuple(c.name for c in self.checks)
        if failed.name not in names or not self.runner.busy:  # the file itself failed: no check ran
            return None
        again = replace(self.job, seed=seed, confirm_seed=None,
                        checks=(failed.name, *(n for n in names if n != failed.name)))
        follow = _Grading(self.pool, again, self.timeout, self.drawing)
        follow.runner, self.runner = self.runner, None
        return follow.run(loaded=True)

    def _read(self) -> Outcome | None:
        """The file as text, before any runner: too large, or without the scenario's API."""
        source = self.job.source
        if len(source) > api.MAX_SOURCE:
            return Outcome(IMPORTS, Status.FAIL, "the file is not a solution",
                           f"the file has {len(source)} characters; a solution has at most {api.MAX_SOURCE}")
        checks_file = Path(importlib.util.find_spec(self.scenario.checks_module).origin)
        missing = api.missing(source, self.scenario.reference_path, checks_file)
        if missing:
            return Outcome(API, Status.FAIL, "the file does not define what the scenario asks for",
                           f"the file does not define {', '.join(missing)} at its top level")
        return None

    @staticmethod
    def _spent_message() -> str:
        return f"not run: the file used up the {FILE_WALL:g} s it may keep the grader waiting"

    def _budget(self, cpu: float, wall: float) -> Budget:
        return Budget(cpu, max(0.0, min(wall, self.wall_left)))

    def _start(self) -> Outcome | None:
        """A runner with the candidate loaded; an outcome when that cannot be."""
        if self.runner is not None:
            self._finish()
            self.restarts += 1
        self.runner = self.pool.take()
        booting = time.monotonic()
        self.runner.wait_ready()
        if self.restarts:  # a fresh start after a crash or a time-out is the candidate's doing
            self.wall_left -= time.monotonic() - booting
        asked = time.monotonic()
        try:
            failure = self.runner.load(self.job.source, self.job.filename,
                                       f"candidate_{self.scenario.module_name}", self.scenario.checks_module,
                                       self._budget(self.timeout, max(MIN_WALL, 2 * self.timeout)))
        except RunnerLost as lost:
            return Outcome(IMPORTS, lost.status, "the module fails as soon as it is imported", lost.message)
        finally:
            self.wall_left -= time.monotonic() - asked
        if failure is not None:
            return Outcome(IMPORTS, Status.FAIL, "the module fails as soon as it is imported",
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
        self.pool.give_back(runner)

    def _every_example(self) -> Iterator[tuple[Check, dict]]:
        for chk in self.checks:
            for drawn in examples.drawn(self.job.scenario_id, chk, self.job.seed, self.reference):
                yield chk, drawn

    def _check(self, chk: Check) -> Outcome:
        """The check on its examples, in order, until the first one that fails."""
        started = time.monotonic()
        left = {"cpu": self.timeout, "wall": max(MIN_WALL, 2 * self.timeout)}  # this check's, over its examples
        for drawn in examples.drawn(self.job.scenario_id, chk, self.job.seed, self.reference):
            failure = self._example(chk, drawn, left)
            if failure is not None:
                failure.seconds = time.monotonic() - started
                failure.priority = chk.priority
                return failure
        return Outcome(chk.name, Status.PASS, seconds=time.monotonic() - started)

    def _example(self, chk: Check, drawn: dict, left: dict) -> Outcome | None:
        """One example observed by the candidate's runner and compared with the reference's
        observation; the outcome when that fails."""
        shown = show_example(drawn)
        if self.wall_left <= 0:
            return Outcome(chk.name, Status.TIMEOUT, chk.symptom, self._spent_message(), shown)
        runner = self.runner
        if self.job.stop_at_first_failure and self.reference.missing(chk, drawn):
            self.reference.ahead([(chk, drawn)])  # side by side with the candidate's runner
        asked = time.monotonic()
        try:
            status, got = runner.observe(chk.name, drawn, self._budget(left["cpu"], left["wall"]))
        except RunnerLost as lost:
            return Outcome(chk.name, lost.status, chk.symptom, lost.message, shown)
        finally:
            waited = time.monotonic() - asked
            left["cpu"] -= runner.spent
            left["wall"] -= waited
            self.wall_left -= waited
        if status != Op.OBSERVATION:
            return Outcome(chk.name, Status.NOT_IMPLEMENTED if status == Op.NOT_IMPLEMENTED else Status.FAIL,
                           chk.symptom, got, shown, raised=status == Op.ERROR)
        expected = self.reference.observe(chk, drawn)
        try:
            chk.compare(got, expected, **drawn)
        except Exception as error:  # noqa: BLE001 - a comparison that fails, however it fails
            return Outcome(chk.name, Status.FAIL, chk.symptom, describe(error), shown,
                           series=series.draw(chk.draw, got, expected, drawn))
        return None


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
