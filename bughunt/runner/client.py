"""The judge's handle on one runner process: start it, hand it candidates, ask, kill.

Every wait on the candidate has a `Budget`: CPU seconds of the runner's whole process tree
(read from /proc, so a busy machine does not inflate it and an endless loop is caught as soon
as it has burnt them) and a wall-clock backstop for a process that only sleeps. Every read
has a size bound, and every reply after the candidate is loaded must carry the seal of the key
handed over with it (`wire.seal`). Whatever the runner sends that is not the one
reply the protocol allows at that moment — malformed, oversized, late, or nothing at all —
raises `RunnerLost`, and the runner is killed with everything it started; the judge turns
that into the check's outcome and starts a fresh runner if more checks remain.
"""

from __future__ import annotations

import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bughunt import wire
from bughunt.judge.checking import Status, clip
from bughunt.runner import isolation
from bughunt.wire import Op

# The runner's start (bubblewrap, Python, torch, the checks) is bounded on its own: a busy
# machine may take many seconds, and none of it counts against a check. The candidate's
# import has a `Budget` of its own, like each check.
START_TIMEOUT = 180.0
OUTPUT_TAIL = 2000
CPU_POLL = 0.25  # seconds between two readings of the runner's CPU time
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Budget:
    """What one wait on the candidate may cost: CPU seconds of the runner's processes, and
    wall seconds for a process that sleeps instead of computing. `children`: that many of
    the candidate's children are at work meanwhile, each with `cpu` of its own."""

    cpu: float
    wall: float
    children: int = 1

_live: set[int] = set()
_live_lock = threading.Lock()
# Runners die with the thread that started them (bubblewrap's --die-with-parent is a
# parent-death signal, which Linux ties to the thread), so one thread that lives as long as
# the process starts them all, whichever thread asks.
_starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bughunt-runner-starter")


class RunnerLost(Exception):
    """The runner broke the protocol, died or missed a deadline; it has been killed."""

    def __init__(self, status: Status, message: str, tampered: bool = False) -> None:
        super().__init__(message)
        self.status = status  # TIMEOUT, CRASH, or FAIL when the candidate tampered
        self.message = message
        self.tampered = tampered  # the candidate wrote on the channel itself
        self.late = ""  # for a time-out: which budget ran out ("6 s of CPU")
        self.on: int | None = None  # the child whose channel said so; None for a time-out


class _Line:
    """One channel to the runner: the zygote's, then a loaded child's, whose replies carry
    the seal of `key` and count up from 0."""

    def __init__(self, end: socket.socket) -> None:
        self.socket = end
        self.key: bytes | None = None
        self.counter = 0


class Runner:
    """`twin`: the runner can load a candidate twice (`load(twin=True)`), in two children
    that answer on two channels: `observe(on=1)` asks the second."""

    def __init__(self, checks_modules: list[str], device: str = "cpu", hidden: list[Path] = (),
                 shown: list[Path] = (), warm_up: bool = False, twin: bool = False) -> None:
        isolation.guard_judge()
        judge_end, runner_end = socket.socketpair()
        self.lines = [_Line(judge_end)]
        runner_ends = [runner_end]
        if twin:
            judge_twin, runner_twin = socket.socketpair()
            self.lines.append(_Line(judge_twin))
            runner_ends.append(runner_twin)
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - open for the runner's life, closed by close()
        self.scratch = tempfile.mkdtemp(prefix="bughunt-runner-")
        isolation.give_to_runner(self.scratch)
        self.cgroup = isolation.make_cgroup()
        argv = [sys.executable, "-m", "bughunt.runner", "--checks", ",".join(checks_modules),
                "--device", device,
                "--channel", str(runner_end.fileno()), *(["--warm-up"] if warm_up else []),
                *(["--twin-channel", str(runner_ends[1].fileno())] if twin else []),
                *isolation.runner_argv(list(shown))]
        env = {key: value for key, value in os.environ.items()
               if key in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "CUDA_VISIBLE_DEVICES")}
        # glibc's heap in transparent huge pages where the kernel allows them (`madvise`): the
        # zygote's page tables then copy at each fork, and tear down at each child's exit,
        # in a fraction of the time (5 of the 35 ms a one-check mutant costs).
        env.update(OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1",
                   HOME=self.scratch, TMPDIR=self.scratch, GLIBC_TUNABLES="glibc.malloc.hugetlb=1")
        command = isolation.command(argv, list(hidden), list(shown))

        def start() -> subprocess.Popen:
            with _live_lock:
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=self.output, stderr=self.output,
                    cwd=self.scratch, env=env, close_fds=True, pass_fds=tuple(e.fileno() for e in runner_ends),
                    preexec_fn=isolation.limits(device))
                _live.add(process.pid)
                return process

        self.process = _starter.submit(start).result()
        isolation.join_cgroup(self.cgroup, [self.process.pid])
        for end in runner_ends:
            end.close()
        self.alive = True
        self.ready = False  # the zygote has imported torch and the checks
        self.busy = False  # a candidate is loaded
        self.twins = 1  # children the loaded candidate has: 2 when its twin loaded too
        self.mark = 0
        self.known = [self.process.pid]  # the runner's processes, as last seen
        self.spent = 0.0  # CPU seconds (at most) the last wait cost
        # With twins: the runner's CPU read when the last wait ended. Twins work between two
        # waits too, so each wait is charged from there, read again at its end.
        self.cpu_mark: float | None = None

    # -- requests ------------------------------------------------------------------------

    def wait_ready(self) -> None:
        """Wait for the runner's start (torch and the checks imported), bounded on its own."""
        if not self.ready:
            try:
                self._receive(Budget(float("inf"), START_TIMEOUT), (Op.READY,), "while starting")
            except RunnerLost as lost:  # no candidate code has run yet: ours to fix, not a verdict
                self.mark = 0
                raise RuntimeError(f"the runner did not start ({lost.message}): "
                                   f"{self.output_tail()[-300:]}") from None
            self.ready = True
            self.known = tree_pids(self.process.pid)
            isolation.join_cgroup(self.cgroup, self.known)  # all forked while starting

    def load(self, source: str, filename: str, module: str, checks_module: str, budget: Budget,
             twin: bool = False) -> str | None:
        """Load a candidate; None when it imported, else why it did not (its own fault).
        `twin` (a runner started with one): in two children, each with a key of its own,
        the import's budget shared by the two."""
        self.wait_ready()
        self.mark = self.output.seek(0, os.SEEK_END)
        twins = 2 if twin and len(self.lines) > 1 else 1
        keys = [secrets.token_bytes(32) for _ in range(twins)]
        self._send({"op": Op.LOAD, "source": source, "filename": filename, "module": module,
                    "checks": checks_module, "key": keys[0], **({"twin_key": keys[1]} if twins > 1 else {})})
        for line, key in zip(self.lines, keys):
            line.key, line.counter = key, 0
        self.twins = twins
        by_child: dict[int, dict] = {}
        while len(by_child) < twins:  # each child imports once: the import's budget is each one's
            importing = tuple(on for on in range(twins) if on not in by_child)
            started = time.monotonic()
            try:
                on, by_child[on] = self._receive(Budget(budget.cpu, budget.wall, len(importing)),
                                                (Op.LOADED, Op.LOAD_FAILED, Op.TAMPERED, Op.ENDED),
                                                "while importing the file", importing)
            except RunnerLost as lost:
                if lost.status == Status.TIMEOUT:
                    raise RunnerLost(Status.TIMEOUT, f"did not finish importing within {lost.late}: an endless "
                                                     "loop at module level, or an import far too slow") from None
                raise
            budget = Budget(max(0.0, budget.cpu - self.spent / len(importing)),
                            max(0.0, budget.wall - (time.monotonic() - started)))
        replies = [by_child[on] for on in range(twins)]
        ops = [reply["op"] for reply in replies]
        if all(op == Op.LOADED for op in ops):
            self.busy = True
            # The candidate's processes are new: their CPU so far (the import) is not the checks'.
            self.known = tree_pids(self.process.pid)
            self.cpu_mark = _cpu_of(self.known) if twins > 1 else None
            return None
        for reply in replies:
            if reply["op"] == Op.TAMPERED:
                self._tampered(reply)
        if Op.ENDED in ops:
            how = next(reply.get("how") for reply in replies if reply["op"] == Op.ENDED)
            self.kill()
            raise RunnerLost(Status.CRASH, f"the process ended while importing the file ({how}): "
                                           "os._exit, or a crash")
        if Op.LOADED in ops:
            self.kill()
            raise RunnerLost(Status.CRASH, "the file imported in one process and failed in another: "
                                           "what its import does must not depend on chance")
        for on in range(twins):
            self._receive(Budget(float("inf"), 10), (Op.ENDED,), "after a failed import", on)
        return clip(str(replies[0].get("message", "")))

    def observe(self, check: str, example: dict, budget: Budget) -> tuple[Op, Any]:
        """(OBSERVATION, value) or (ERROR | NOT_IMPLEMENTED, message)."""
        self.ask(check, example)
        return self.answer_any(budget, (0,))[1:]

    def ask(self, check: str, example: dict, on: int = 0) -> None:
        """The first half of `observe`: child `on` starts on the example."""
        self._send({"op": Op.OBSERVE, "check": check, "example": example}, on)

    def answer_any(self, budget: Budget, ons: tuple[int, ...]) -> tuple[int, Op, Any]:
        """The first answer of the children `ons`, each asked an example: (child, op,
        value). `spent` is then the CPU of the whole runner while it waited."""
        on, reply = self._receive(budget, (Op.OBSERVATION, Op.ERROR, Op.NOT_IMPLEMENTED, Op.TAMPERED, Op.ENDED),
                                  "during this check", ons)
        try:
            return (on, *self._observed(reply))
        except RunnerLost as lost:
            lost.on = on
            raise

    def _observed(self, reply: dict) -> tuple[Op, Any]:
        if reply["op"] == Op.ENDED:
            self.busy = False
            self.kill()
            raise RunnerLost(Status.CRASH, f"the process ended during this check ({reply.get('how')}): "
                                           "os._exit, or a crash")
        if reply["op"] == Op.TAMPERED:
            self._tampered(reply)
        if reply["op"] == Op.OBSERVATION:
            return Op.OBSERVATION, reply.get("value")
        message = reply.get("message")
        return Op(reply["op"]), clip(message) if isinstance(message, str) else "an error"

    def end(self) -> None:
        """The candidate is done; the runner is ready for the next one."""
        if not (self.alive and self.busy):
            return
        self.busy, self.cpu_mark = False, None
        for on in range(self.twins):
            self._send({"op": Op.END}, on)
        for on in range(self.twins):
            self._receive(Budget(float("inf"), 10), (Op.ENDED,), "while finishing", on)

    def output_tail(self) -> str:
        end = self.output.seek(0, os.SEEK_END)
        self.output.seek(max(self.mark, end - OUTPUT_TAIL))
        return self.output.read().decode("utf-8", "replace").strip()

    def _tampered(self, reply: dict) -> None:
        self.kill()
        message = reply.get("message")
        raise RunnerLost(Status.FAIL, clip(message) if isinstance(message, str) else "tampering detected",
                         tampered=True)

    # -- the channel ---------------------------------------------------------------------

    def _send(self, message: dict, on: int = 0) -> None:
        if not self.alive:
            raise RunnerLost(Status.CRASH, "the runner is gone")
        try:
            data = wire.frame(wire.encode(message))
        except wire.WireError as error:
            raise RunnerLost(Status.FAIL, f"the file cannot be sent to the runner: {error}") from None
        try:
            self.lines[on].socket.settimeout(30)
            self.lines[on].socket.sendall(data)
        except OSError:
            self.kill()
            raise RunnerLost(Status.CRASH, "the process stopped listening") from None

    def _receive(self, budget: Budget, allowed: tuple[Op, ...], when: str, on: int | tuple[int, ...] = 0):
        """The next reply on channel `on`; given several, (the first to answer, its reply)."""
        ons = on if isinstance(on, tuple) else (on,)
        first = ons[0]
        try:
            clock = _Clock(self, budget)
            try:
                first = self._first_ready(ons, clock)
                line = self.lines[first]
                prefix = self._read(line.socket, 4, clock)
                message = self._read(line.socket, wire.frame_length(prefix), clock)
            finally:
                self.spent = clock.spent()
                if self.cpu_mark is not None and self.busy:
                    reading = _cpu_of(self.known)
                    self.spent, self.cpu_mark = max(0.0, reading - clock.cpu_start), reading
            reply = self._open(line, message)
        except TimeoutError as late:
            self.kill()
            lost = RunnerLost(Status.TIMEOUT, f"stopped {when} after {late}: an endless loop, or far too slow")
            lost.late = str(late)
            raise lost from None
        except (EOFError, OSError):
            self.kill()
            raise self._lost(first, Status.CRASH, f"the process ended {when}: os._exit, a signal, or a crash") \
                from None
        except wire.WireError as error:
            self.kill()
            tampered = "sealed" in str(error)
            raise self._lost(first, Status.FAIL if tampered else Status.CRASH,
                             f"{'tampering detected: ' if tampered else ''}the runner sent a malformed "
                             f"answer {when} ({error})", tampered) from None
        if not isinstance(reply, dict) or reply.get("op") not in allowed:
            self.kill()
            raise self._lost(first, Status.CRASH, f"the runner sent an answer the protocol does not allow {when}")
        return (first, reply) if isinstance(on, tuple) else reply

    @staticmethod
    def _lost(on: int, status: Status, message: str, tampered: bool = False) -> RunnerLost:
        lost = RunnerLost(status, message, tampered)
        lost.on = on
        return lost

    def _first_ready(self, ons: tuple[int, ...], clock: _Clock) -> int:
        """Which of the channels `ons` has a reply to read first."""
        if len(ons) == 1:
            return ons[0]
        ends = {self.lines[on].socket: on for on in ons}
        while True:
            ready, _, _ = select.select(list(ends), [], [], clock.wait())
            if ready:
                return min(ends[end] for end in ready)
            clock.check()

    @staticmethod
    def _open(line: _Line, message: memoryview) -> Any:
        """A reply decoded: sealed with the child's key, or one of the zygote's own."""
        if line.key is not None:
            try:
                payload = wire.unseal(message, line.key, line.counter)
            except wire.WireError:
                reply = wire.decode(message)
                if isinstance(reply, dict) and reply.get("op") == Op.ENDED:
                    line.key = None  # the child is gone: its key with it
                    return reply
                raise
            line.counter += 1
            return wire.decode(payload)
        return wire.decode(message)

    @staticmethod
    def _read(end: socket.socket, size: int, clock: _Clock) -> memoryview:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            ready, _, _ = select.select([end], [], [], clock.wait())
            if not ready:
                clock.check()
                continue
            n = end.recv_into(view[got:], size - got)
            if n == 0:
                raise EOFError
            got += n
        return view

    # -- the end -------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the runner and everything it started; reap it."""
        if not self.alive:
            return
        self.alive = False
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        with _live_lock:
            _live.discard(self.process.pid)
            isolation.sweep_orphans(set(_live))
        for line in self.lines:
            line.socket.close()
        isolation.remove_cgroup(self.cgroup)
        _remove(self.scratch)

    def close(self) -> None:
        """Let the runner exit on its own, then make sure nothing of it is left."""
        if self.alive:
            try:
                for line in self.lines:
                    line.socket.shutdown(socket.SHUT_RDWR)
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.kill()
        self.output.close()


class _Clock:
    """The time one wait has left: the runner's CPU against `budget.cpu`, the wall clock
    against `budget.wall`. The CPU is read at the start from the processes known to be the
    runner's (a few files), and every `CPU_POLL` seconds from all of /proc, new forks
    included; `spent` charges a wait that ended between two readings with its wall time."""

    def __init__(self, runner: Runner, budget: Budget) -> None:
        self.runner, self.budget = runner, budget
        self.started = self.polled = time.monotonic()
        self.counting = budget.cpu != float("inf")
        self.cpu_start = runner.cpu_mark if runner.cpu_mark is not None and runner.busy else \
            _cpu_of(runner.known) if self.counting else 0.0
        self.cpu_used = 0.0

    def wait(self) -> float:
        left = self.budget.wall - (time.monotonic() - self.started)
        if left <= 0:
            raise TimeoutError(f"{self.budget.wall:g} s of waiting (it used little CPU: sleeping?)")
        return min(left, CPU_POLL) if self.counting else left

    def check(self) -> None:
        if not self.counting or time.monotonic() - self.polled < CPU_POLL * 0.9:
            return
        processes = _processes()
        self.runner.known = _tree(self.runner.process.pid, processes)
        self.cpu_used = sum(processes[pid][1] for pid in self.runner.known) / _TICKS - self.cpu_start
        self.polled = time.monotonic()
        if self.cpu_used > self.budget.cpu * self.budget.children:
            raise TimeoutError(f"{self.budget.cpu:g} s of CPU")

    def spent(self) -> float:
        """CPU seconds this wait cost, at most: the last reading plus the wall time since
        (for each child at work)."""
        return max(0.0, self.cpu_used) + (time.monotonic() - self.polled) * self.runner.twins


def _cpu_of(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ticks += sum(int(n) for n in stat[stat.rindex(b")") + 2:].split()[11:15])
    return ticks / _TICKS


def tree_pids(root: int) -> list[int]:
    return _tree(root, _processes())


def _tree(root: int, processes: dict[int, tuple[int, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            found.append(pid)
        todo += children.get(pid, [])
    return found


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU ticks: its own and its reaped children's)."""
    processes = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        processes[int(entry.name)] = (int(fields[1]), sum(int(n) for n in fields[11:15]))  # utime..cstime
    return processes


def _remove(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
