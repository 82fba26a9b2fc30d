"""The reference's observations: made once, by a runner of the reference's own, then cached.

The reference is observed in a runner process like the candidate's (same warm start, same
settings), loaded from the source the judge reads. Not in the judge itself: the judge runs
Hypothesis in several threads, and Hypothesis reseeds the global random generators around
every example, which would race with an observation that seeds them. An observation is
deterministic per (scenario, check, example, device) and the sources that produce it, so it
is kept in memory for the life of the process (`analyze`, `generate`, `watch`) and on disk
in the user's cache folder (`check`, `submit`), in a file named by a hash of every
reference, checks and support source and the torch version: editing any of them starts a
new file. Observations are stored in the wire format and handed out decoded from it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from bughunt import wire
from bughunt.judge.checking import Check

_PACKAGES = ("clean_reference", "scenarios")
_ENGINE_FILES = ("placement.py", "wire.py", "judge/checking.py")


def cache_dir() -> Path:
    if os.environ.get("BUGHUNT_CACHE"):
        return Path(os.environ["BUGHUNT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bughunt"


@cache
def sources_digest() -> str:
    import torch

    import bughunt

    digest = hashlib.sha256(torch.__version__.encode())
    roots = [Path(importlib.import_module(name).__file__).parent for name in _PACKAGES]
    files = [f for root in roots for f in sorted(root.rglob("*.py"))]
    files += [Path(bughunt.__file__).parent / name for name in _ENGINE_FILES]
    for file in files:
        digest.update(str(file.name).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# A reference observation is ours to make: it gets far longer than a candidate's deadline.
REFERENCE_TIMEOUT = 300.0


class NoReferenceObservation(RuntimeError):
    """The reference itself failed to observe: a broken check, not a candidate's fault."""


class Reference:
    """One scenario's reference module and its observations on one device."""

    def __init__(self, scenario, device: str, *, disk: bool = True) -> None:
        self.scenario = scenario
        self.device = device
        self._runner = None  # started at the first observation the cache does not hold
        self._runner_lock = threading.Lock()
        self.path = cache_dir() / "observations" / f"{scenario.id}-{device}-{sources_digest()}.bin" \
            if disk else None
        self._stored: dict[str, bytes] | None = None
        self._dirty = False
        self._lock = threading.Lock()

    def observe(self, check: Check, example: dict[str, Any]) -> Any:
        encoded = wire.encode(example)
        key = f"{check.name}:{hashlib.sha256(encoded).hexdigest()}"
        stored = self._load()
        if key not in stored:
            value = self._observe(check, wire.decode(encoded))
            with self._lock:
                stored[key] = wire.encode(value)
                self._dirty = True
        return wire.decode(stored[key])

    def _observe(self, check: Check, example: dict[str, Any]) -> Any:
        from bughunt.runner.client import Runner, RunnerLost

        with self._runner_lock:
            try:
                if self._runner is None or not self._runner.alive:
                    self._runner = self._start(Runner)
                status, value = self._runner.observe(check.name, example, time.monotonic() + REFERENCE_TIMEOUT)
            except RunnerLost as lost:
                status, value = "error", lost.message
        if status != "observation":
            raise NoReferenceObservation(f"the reference fails check {check.name!r} of {self.scenario.id} "
                                         f"on {example}: {value}")
        return value

    def _start(self, runner_class):
        from bughunt.judge.grader import allowed_references, hidden_paths

        runner = runner_class([self.scenario.checks_module], self.device, hidden_paths(),
                              allowed_references([self.scenario.id]))
        problem = runner.load(self.scenario.reference_path.read_text(encoding="utf-8"),
                              str(self.scenario.reference_path), f"reference_{self.scenario.module_name}",
                              self.scenario.checks_module, load_timeout=REFERENCE_TIMEOUT)
        if problem is not None:
            runner.close()
            raise NoReferenceObservation(f"the reference of {self.scenario.id} does not import: {problem}")
        return runner

    def close(self) -> None:
        with self._runner_lock:
            if self._runner is not None:
                self._runner.close()
                self._runner = None

    def _load(self) -> dict[str, bytes]:
        with self._lock:
            if self._stored is None:
                self._stored = {}
                if self.path is not None and self.path.is_file():
                    try:
                        saved = wire.decode(self.path.read_bytes())
                        if isinstance(saved, dict) and all(isinstance(v, bytes) for v in saved.values()):
                            self._stored = saved
                    except Exception:  # noqa: BLE001 - a damaged cache is recomputed
                        self._stored = {}
            return self._stored

    def save(self) -> None:
        """Write new observations to disk, atomically; a cache that cannot be written is skipped."""
        with self._lock:
            if self.path is None or not self._dirty or self._stored is None:
                return
            data = dict(self._stored)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
                with os.fdopen(handle, "wb") as out:
                    out.write(wire.encode(data))
                os.replace(temporary, self.path)
                self._dirty = False
            except OSError:
                pass
