"""The judge's handle on one runner process: start it, hand it candidates, ask, kill.

Every read has a deadline and a size bound. Whatever the runner sends that is not the one
reply the protocol allows at that moment — malformed, oversized, late, or nothing at all —
raises `RunnerLost`, and the runner is killed with everything it started; the judge turns
that into the check's outcome and starts a fresh runner if more checks remain.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bughunt import wire
from bughunt.runner import isolation

# The runner's start (bubblewrap, Python, torch, the checks) is bounded on its own: a busy
# machine may take many seconds, and none of it counts against a check. The candidate's
# import is bounded apart from both, by `load_timeout`.
START_TIMEOUT = 180.0
MIN_LOAD_TIMEOUT = 10.0
OUTPUT_TAIL = 2000

_live: set[int] = set()
_live_lock = threading.Lock()
# Runners die with the thread that started them (bubblewrap's --die-with-parent is a
# parent-death signal, which Linux ties to the thread), so one thread that lives as long as
# the process starts them all, whichever thread asks.
_starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bughunt-runner-starter")


class RunnerLost(Exception):
    """The runner broke the protocol, died or missed a deadline; it has been killed."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status  # "timeout" or "crash"
        self.message = message


class Runner:
    def __init__(self, checks_modules: list[str], device: str = "cpu", hidden: list[Path] = (),
                 shown: list[Path] = ()) -> None:
        isolation.guard_judge()
        judge_end, runner_end = socket.socketpair()
        self.socket = judge_end
        self.output = tempfile.TemporaryFile()
        self.scratch = tempfile.mkdtemp(prefix="bughunt-runner-")
        argv = [sys.executable, "-m", "bughunt.runner", "--checks", ",".join(checks_modules),
                "--device", device,
                "--channel", str(runner_end.fileno())]
        env = {key: value for key, value in os.environ.items()
               if key in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "CUDA_VISIBLE_DEVICES")}
        env.update(OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1",
                   HOME=self.scratch, TMPDIR=self.scratch)
        command = isolation.command(argv, list(hidden), list(shown))

        def start() -> subprocess.Popen:
            with _live_lock:
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=self.output, stderr=self.output,
                    cwd=self.scratch, env=env, close_fds=True, pass_fds=(runner_end.fileno(),),
                    preexec_fn=isolation.limits(device))
                _live.add(process.pid)
                return process

        self.process = _starter.submit(start).result()
        runner_end.close()
        self.alive = True
        self.ready = False  # the zygote has imported torch and the checks
        self.busy = False  # a candidate is loaded
        self.mark = 0

    # -- requests ------------------------------------------------------------------------

    def load(self, source: str, filename: str, module: str, checks_module: str,
             load_timeout: float = MIN_LOAD_TIMEOUT) -> str | None:
        """Load a candidate; None when it imported, else why it did not (its own fault)."""
        if not self.ready:
            try:
                self._receive(time.monotonic() + START_TIMEOUT, ("ready",), "while starting")
            except RunnerLost as lost:  # no candidate code has run yet: ours to fix, not a verdict
                self.mark = 0
                raise RuntimeError(f"the runner did not start ({lost.message}): "
                                   f"{self.output_tail()[-300:]}") from None
            self.ready = True
        self.mark = self.output.seek(0, os.SEEK_END)
        self._send({"op": "load", "source": source, "filename": filename, "module": module,
                    "checks": checks_module})
        limit = max(MIN_LOAD_TIMEOUT, load_timeout)
        try:
            reply = self._receive(time.monotonic() + limit, ("loaded", "load-failed", "ended"),
                                  "while importing the file")
        except RunnerLost as lost:
            if lost.status == "timeout":
                raise RunnerLost("timeout", f"did not finish importing within {limit:g} s: "
                                            "an endless loop at module level, or far too slow") from None
            raise
        if reply["op"] == "loaded":
            self.busy = True
            return None
        if reply["op"] == "ended":
            self.kill()
            raise RunnerLost("crash", f"the process ended while importing the file ({reply.get('how')}): "
                                      "os._exit, or a crash")
        self._receive(time.monotonic() + 10, ("ended",), "after a failed import")
        return str(reply.get("message", ""))

    def observe(self, check: str, example: dict, deadline: float) -> tuple[str, Any]:
        """("observation", value) or ("error" | "not-implemented", message)."""
        self._send({"op": "observe", "check": check, "example": example})
        reply = self._receive(deadline, ("observation", "error", "not-implemented", "ended"),
                              "during this check")
        if reply["op"] == "ended":
            self.busy = False
            self.kill()
            raise RunnerLost("crash", f"the process ended during this check ({reply.get('how')}): "
                                      "os._exit, or a crash")
        if reply["op"] == "observation":
            return "observation", reply.get("value")
        message = reply.get("message")
        return reply["op"], message if isinstance(message, str) else "an error"

    def end(self) -> None:
        """The candidate is done; the runner is ready for the next one."""
        if not (self.alive and self.busy):
            return
        self.busy = False
        self._send({"op": "end"})
        self._receive(time.monotonic() + 10, ("ended",), "while finishing")

    def output_tail(self) -> str:
        end = self.output.seek(0, os.SEEK_END)
        self.output.seek(max(self.mark, end - OUTPUT_TAIL))
        return self.output.read().decode("utf-8", "replace").strip()

    # -- the channel ---------------------------------------------------------------------

    def _send(self, message: dict) -> None:
        data = wire.frame(wire.encode(message))
        if not self.alive:
            raise RunnerLost("crash", "the runner is gone")
        try:
            self.socket.settimeout(30)
            self.socket.sendall(data)
        except OSError:
            self.kill()
            raise RunnerLost("crash", "the process stopped listening") from None

    def _receive(self, deadline: float, allowed: tuple[str, ...], when: str) -> dict:
        try:
            prefix = self._read(4, deadline)
            reply = wire.decode(self._read(wire.frame_length(prefix), deadline))
        except TimeoutError:
            self.kill()
            raise RunnerLost("timeout", f"no answer in time {when}: an endless loop, or far too slow") from None
        except (EOFError, OSError):
            self.kill()
            raise RunnerLost("crash", f"the process ended {when}: os._exit, a signal, or a crash") from None
        except (wire.WireError, ValueError, MemoryError) as error:
            self.kill()
            raise RunnerLost("crash", f"the runner sent a malformed answer {when} ({error})") from None
        if not isinstance(reply, dict) or reply.get("op") not in allowed:
            self.kill()
            raise RunnerLost("crash", f"the runner sent an answer the protocol does not allow {when}")
        return reply

    def _read(self, size: int, deadline: float) -> memoryview:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.socket], [], [], left)
            if not ready:
                raise TimeoutError
            n = self.socket.recv_into(view[got:], size - got)
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
            os.killpg(self.process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        with _live_lock:
            _live.discard(self.process.pid)
            isolation.sweep_orphans(set(_live))
        self.socket.close()
        _remove(self.scratch)

    def close(self) -> None:
        """Let the runner exit on its own, then make sure nothing of it is left."""
        if self.alive:
            try:
                self.socket.shutdown(socket.SHUT_RDWR)
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.kill()
        self.output.close()


def _remove(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
