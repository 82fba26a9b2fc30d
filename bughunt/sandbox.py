"""Run a scenario's checks on candidate code in a forked child, with a time limit.

The candidate may loop forever, call `sys.exit` or `os._exit`, crash, or not parse: each is
a verdict, never a hang or a traceback of ours. The child reports one JSON line per event
through a pipe, so a child killed mid-way still leaves the outcomes it reached.

For many candidates (`generate`, `analyze`), `warm_up` imports torch, torch._dynamo (pulled
in lazily by the first optimizer) and the checks once in the parent, then every fork starts
warm. The parent must run no tensor work: a forked OpenMP pool can deadlock its children.
"""

from __future__ import annotations

import faulthandler
import gc
import importlib
import json
import os
import resource
import select
import signal
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported anywhere

from bughunt.checking import Outcome  # noqa: E402

DEFAULT_TIMEOUT = 20.0
# Address space for a child on the CPU: torch loaded takes under 1 GiB, the checks' tensors
# are tiny, and a runaway allocation becomes a MemoryError verdict instead of swapping the
# machine. Not applied with CUDA, whose driver reserves far more address space than it uses.
MEMORY_LIMIT = 4 * 2**30


@dataclass(frozen=True)
class Job:
    scenario_id: str
    source: str
    filename: str  # shown in messages; the module's __file__
    stop_at_first_failure: bool = False  # enough to decide whether a mutant is killed
    device: str = "cpu"
    seed: int = 0  # the Hypothesis seed for every check


@dataclass
class Verdict:
    scenario_id: str
    filename: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""  # the tail of what the candidate printed

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
            "seconds": round(self.seconds, 3),
            "checks": [o.to_json() for o in self.outcomes],
        }


_warmed: set[str] = set()


def warm_up(scenario_ids: Iterable[str]) -> None:
    """Import everything the children need, once, in this (parent) process."""
    wanted = set(scenario_ids) - _warmed
    if not wanted:
        return
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401

    from bughunt import catalog, placement  # noqa: F401

    for scenario_id in sorted(wanted):
        found = catalog.scenario(scenario_id)
        importlib.import_module(found.checks_module)
        importlib.import_module(found.reference_module)
    _warm_hypothesis()
    gc.freeze()  # children inherit a frozen heap: their collections skip it, pages stay shared
    _warmed.update(wanted)


def _warm_hypothesis() -> None:
    """Run one trivial property, so Hypothesis's one-time set-up (which includes a full
    garbage collection, 0.15 s with torch loaded) happens here once, not in every child."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=1, database=None, derandomize=True)
    @given(st.integers())
    def trivial(value: int) -> None:
        pass

    trivial()


def run(job: Job, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
    return next(run_many([job], timeout=timeout, workers=1))[1]


def run_many(jobs: list[Job], timeout: float = DEFAULT_TIMEOUT, workers: int = 2) -> Iterator[tuple[int, Verdict]]:
    """Yield `(index, verdict)` for every job as it finishes, `workers` children at a time."""
    pending = list(enumerate(jobs))
    pending.reverse()
    running: dict[int, _Child] = {}
    while pending or running:
        while pending and len(running) < workers:
            index, job = pending.pop()
            child = _Child.start(index, job, timeout)
            running[child.fd] = child
        now = time.monotonic()
        wait = max(0.0, min(c.deadline for c in running.values()) - now)
        readable, _, _ = select.select(list(running), [], [], wait)
        for fd in readable:
            child = running[fd]
            if not child.read():
                del running[fd]
                yield child.index, child.finish()
        now = time.monotonic()
        for fd, child in list(running.items()):
            if now >= child.deadline:
                del running[fd]
                yield child.index, child.finish(timed_out=True)


@dataclass
class _Child:
    index: int
    job: Job
    pid: int
    fd: int
    output: object  # a temporary file holding the child's stdout and stderr
    started: float
    deadline: float
    timeout: float
    buffer: bytes = b""
    checks: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    current: str | None = None
    done: bool = False

    @classmethod
    def start(cls, index: int, job: Job, timeout: float) -> _Child:
        output = tempfile.TemporaryFile()
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child never returns
            os.close(read_fd)
            _child_main(job, write_fd, output.fileno())
        os.close(write_fd)
        now = time.monotonic()
        return cls(index, job, pid, read_fd, output, now, now + timeout, timeout)

    def read(self) -> bool:
        """Take what the child wrote; False once the pipe is closed."""
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return False
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            self._event(json.loads(line))
        return True

    def _event(self, event: dict) -> None:
        if "checks" in event:
            self.checks = event["checks"]
        elif "start" in event:
            self.current = event["start"]
        elif "outcome" in event:
            self.outcomes.append(Outcome(**event["outcome"]))
            self.current = None
        elif "done" in event:
            self.done = True

    def finish(self, timed_out: bool = False) -> Verdict:
        if timed_out:
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        seconds = time.monotonic() - self.started
        output = _tail(self.output)
        if not self.done:
            self._close_unfinished(timed_out, status, output)
        return Verdict(self.job.scenario_id, self.job.filename, self.outcomes, seconds, output)

    def _close_unfinished(self, timed_out: bool, status: int, output: str) -> None:
        name = self.current or "imports"
        if timed_out:
            message = f"did not finish within {self.timeout:g} s: an endless loop, or far too slow"
            self.outcomes.append(Outcome(name, "timeout", message=message))
        else:
            how = (f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status)
                   else f"exit code {os.waitstatus_to_exitcode(status)}")
            message = f"the process ended during this check ({how}): os._exit, or a crash"
            if output:
                message += f"; it printed: {output.splitlines()[-1][:200]}"
            self.outcomes.append(Outcome(name, "crash", message=message))
        reached = {o.name for o in self.outcomes}
        self.outcomes.extend(Outcome(n, "not-run") for n in self.checks if n not in reached)


def _tail(output, limit: int = 2000) -> str:
    output.seek(0, os.SEEK_END)
    size = output.tell()
    output.seek(max(0, size - limit))
    text = output.read().decode("utf-8", "replace")
    output.close()
    return text.strip()


def _child_main(job: Job, write_fd: int, output_fd: int) -> None:
    """Run the checks and report; always ends with os._exit so no parent state runs twice."""
    try:
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        # Line-buffered, so what the candidate printed is on disk even if it later hangs.
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        faulthandler.disable()  # a crash is the candidate's verdict, not a dump on our terminal
        if job.device == "cpu":
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        _report_checks(job, lambda event: os.write(write_fd, (json.dumps(event) + "\n").encode()))
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as error:  # noqa: BLE001 - nothing may escape a forked child
        try:
            os.write(2, f"bughunt child failed: {error!r}\n".encode())
        finally:
            os._exit(70)
    os._exit(0)


def _report_checks(job: Job, send) -> None:
    import torch

    from bughunt import catalog, loading, placement
    from bughunt.checking import describe, run_check

    torch.set_num_threads(1)
    placement.set_device(job.device)
    scenario = catalog.scenario(job.scenario_id)
    checks = importlib.import_module(scenario.checks_module).CHECKS
    reference = importlib.import_module(scenario.reference_module)
    gc.freeze()  # what is loaded now lives until exit: no collection needs to scan it
    send({"checks": [c.name for c in checks]})
    send({"start": "imports"})
    try:
        candidate = loading.load_source(job.source, job.filename, f"candidate_{scenario.module_name}")
    except BaseException as error:  # noqa: BLE001 - the candidate's fault, reported
        message = f"the file could not be imported: {describe(error)}"
        send({"outcome": Outcome("imports", "fail", "the module fails as soon as it is imported",
                                 message).__dict__})
        send({"done": True})
        return
    for chk in checks:
        send({"start": chk.name})
        outcome = run_check(chk, candidate, reference, seed=job.seed)
        send({"outcome": outcome.__dict__})
        if job.stop_at_first_failure and not outcome.passed:
            break
    send({"done": True})
