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
                _mark_drawn(reference, job.scenario_id, job.seed)
            reference.save()

    def boot_references(self, graded: Iterable[tuple[str, int]]) -> None:
        """Where the examples of a (scenario, seed) about to be graded are not all kept, the
        reference has observations to make: its runner boots now, beside the candidates'."""
        for scenario_id, seed in graded:
            reference = reference_of(scenario_id, self.device, self.scenario_ids)
            if not examples.complete(reference, seed):
                reference.observer.boot()
                return

    def grade_many(self, jobs: list[Job], timeout: float = DEFAULT_TIMEOUT) -> Iterator[tuple[int, Verdict]]:
        """Yield `(index, verdict)` for every job as it finishes, `workers` at a time."""
        self.prestart(min(self.workers, len(jobs)))
        self.boot_references({(j.scenario_id, j.seed) for j in jobs if j.device == self.device})
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
        # Marked, a (scenario, seed) whose examples are all kept boots no reference runner next time.
        graded = {(j.scenario_id, seed) for j in jobs for seed in (j.seed, j.confirm_seed) if seed is not None}
        for scenario_id, seed in sorted(graded):
            _mark_drawn(reference_of(scenario_id, self.device), scenario_id, seed)
        for scenario_id in {j.scenario_id for j in jobs}:
            reference_of(scenario_id, self.device).save()


def _mark_drawn(reference, scenario_id: str, seed: int) -> None:
    """Mark the scenario's examples at `seed` complete on its reference's shelf, where every
    check's are kept (`examples.mark_complete`)."""
    examples.mark_complete(reference, [c.name for c in checks_of(scenario_id)], seed)


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
                todo = list(self.checks)
                while todo:
                    for outcome in self._outcomes(todo):  # until every check has one, or the runner is lost
                        outcomes.append(outcome)
                        if self.job.stop_at_first_failure and not outcome.passed:
                            break
                    reached = {o.name for o in outcomes}
                    todo = [c for c in todo if c.name not in reached]
                    if not todo or (self.job.stop_at_first_failure and not outcomes[-1].passed) \
                            or self.restarts >= MAX_RESTARTS or self.wall_left <= 0 or self._start() is not None:
                        break
                order = {c.name: i for i, c in enumerate(self.checks)}  # a twin may end a later check first
                outcomes.sort(key=lambda o: order[o.name])
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
            # A file whose every example is asked for is loaded twice where the runner can:
            # two children observe side by side, on two cores.
            failure = self.runner.load(self.job.source, self.job.filename,
                                       f"candidate_{self.scenario.module_name}", self.scenario.checks_module,
                                       self._budget(self.timeout, max(MIN_WALL, 2 * self.timeout)),
                                       twin=not self.job.stop_at_first_failure)
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

    def _outcomes(self, checks: list[Check]) -> Iterator[Outcome]:
        """Each of `checks` on its examples, in order, until the first that fails; the
        outcomes as the checks end, until all have one or the runner is lost.

        The runner's children (two with a twin, else one) are each asked the next example as
        soon as they answer, the next check's as soon as this one's are all asked; answers
        are compared in each check's own order, so its first failure is what one child would
        have found. What a child is still working on past its check's failure is read and
        left. Each wait is charged to every example under way, its share of the runner's CPU
        (so a check is charged what its own examples cost, side by side or not)."""
        runner = self.runner
        stop = self.job.stop_at_first_failure
        under_way = [_Progress(chk, self.timeout) for chk in checks]
        busy: dict[int, tuple[_Progress, int, dict]] = {}  # child -> (check, position, example)
        given = 0  # checks handed out as outcomes, in order
        cursor = 0  # the check whose examples are being asked

        def ask(on: int) -> None:
            nonlocal cursor
            while cursor < len(under_way):
                progress = under_way[cursor]
                drawn = progress.next_example(self) if progress.outcome is None else None
                if drawn is None:
                    cursor += 1
                    continue
                if stop and any(p.outcome is not None and not p.outcome.passed for p in under_way):
                    return
                position = progress.asked
                progress.asked += 1
                if self.wall_left <= 0:
                    progress.settle(position, Outcome(progress.chk.name, Status.TIMEOUT, progress.chk.symptom,
                                                      self._spent_message(), show_example(drawn)))
                    continue
                if stop and self.reference.missing(progress.chk, drawn):
                    self.reference.ahead([(progress.chk, drawn)])  # side by side with the candidate's runner
                try:
                    runner.ask(progress.chk.name, drawn, on)
                except RunnerLost as lost:
                    progress.settle(position, Outcome(progress.chk.name, lost.status, progress.chk.symptom,
                                                      lost.message, show_example(drawn)))
                    return
                busy[on] = (progress, position, drawn)
                return

        for on in range(runner.twins):
            ask(on)
        while busy and runner.alive:  # a runner lost while being asked took what it had with it
            waiting = tuple(sorted(busy))
            shares = [busy[on][0] for on in waiting]
            budget = Budget(min(p.left["cpu"] for p in shares),
                            max(0.0, min(min(p.left["wall"] for p in shares), self.wall_left)), len(waiting))
            started = time.monotonic()
            try:
                on, status, got = runner.answer_any(budget, waiting)
            except RunnerLost as lost:
                self._charge(shares, started)
                blamed = lost.on if lost.on in busy else min(waiting, key=lambda o: (busy[o][0].left["cpu"],
                                                                                    busy[o][1]))
                progress, position, drawn = busy.pop(blamed)
                progress.settle(position, Outcome(progress.chk.name, lost.status, progress.chk.symptom,
                                                  lost.message, show_example(drawn)), lost=True)
                busy.clear()  # what the others worked on went with the runner
                yield from (p.outcome for p in under_way if p.outcome is not None and not p.given)
                return
            self._charge(shares, started)
            progress, position, drawn = busy.pop(on)
            if progress.outcome is None and runner.twins > 1 and progress.left["cpu"] < 0:
                # Read at each answer (`Runner.cpu_mark`), a twin's CPU is known even where no
                # wait was long enough to catch it: past its budget, the check is too slow.
                progress.settle(position, Outcome(progress.chk.name, Status.TIMEOUT, progress.chk.symptom,
                                                  f"stopped during this check after {self.timeout:g} s of CPU: "
                                                  "an endless loop, or far too slow", show_example(drawn)))
            if progress.outcome is None:
                progress.settle(position, self._compared(progress.chk, drawn, status, got))
            ask(on)
            while given < len(under_way) and under_way[given].done:
                under_way[given].given = True
                yield under_way[given].outcome
                given += 1
        yield from (p.outcome for p in under_way if p.outcome is not None and not p.given)

    def _charge(self, shares: list[_Progress], started: float) -> None:
        """A wait, charged to each check with an example under way: its share of the CPU,
        all of the wall time; and to the file's wall budget once."""
        waited = time.monotonic() - started
        for progress in shares:
            progress.left["cpu"] -= self.runner.spent / len(shares)
            progress.left["wall"] -= waited
        self.wall_left -= waited

    def _compared(self, chk: Check, drawn: dict, status: Op, got) -> Outcome | None:
        """The candidate's answer to an example against the reference's observation; the
        outcome when that fails."""
        shown = show_example(drawn)
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


class _Progress:
    """One check under way: its examples asked so far, the answers not yet in order, its
    budget left, and its outcome once known."""

    def __init__(self, chk: Check, timeout: float) -> None:
        self.chk = chk
        self.left = {"cpu": timeout, "wall": max(MIN_WALL, 2 * timeout)}  # over its examples
        self.asked = 0
        self.settled: dict[int, Outcome | None] = {}  # position -> None (passed) or its failure
        self.passed = 0  # positions 0 .. passed - 1 passed
        self.outcome: Outcome | None = None
        self.given = False  # handed out by `_outcomes`
        self._todo: Iterator[dict] | None = None
        self._exhausted = False
        self._started = 0.0

    def next_example(self, grading: _Grading) -> dict | None:
        if self._todo is None:
            self._started = time.monotonic()
            self._todo = iter(examples.drawn(grading.job.scenario_id, self.chk, grading.job.seed,
                                             grading.reference))
        drawn = next(self._todo, None) if not self._exhausted else None
        if drawn is None:
            self._exhausted = True
            self._end()
        return drawn

    def settle(self, position: int, failure: Outcome | None, lost: bool = False) -> None:
        """An example's result. `lost`: the runner went with it, and with the examples before
        it still under way, which count as passed (the failure here is the candidate's)."""
        self.settled[position] = failure
        if lost:
            self.settled.update({p: None for p in range(self.passed, position)})
        while self.outcome is None and self.passed in self.settled:
            failure = self.settled.pop(self.passed)
            if failure is not None:
                failure.priority = self.chk.priority
                self.outcome = failure
            else:
                self.passed += 1
        self._end()

    def _end(self) -> None:
        if self.outcome is None and self._exhausted and self.passed == self.asked:
            self.outcome = Outcome(self.chk.name, Status.PASS)
        if self.outcome is not None and not self.outcome.seconds:
            self.outcome.seconds = time.monotonic() - self._started

    @property
    def done(self) -> bool:
        return self.outcome is not None


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
