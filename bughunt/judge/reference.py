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


def write_atomically(path: Path, data: bytes) -> bool:
    """`path` holds `data` whole or keeps what it held; False when it cannot be written (a
    cache that cannot be written is skipped)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        return True
    except OSError:
        return False


class NoReferenceObservation(RuntimeError):
    """The reference itself failed to observe: a broken check, not a candidate's fault."""


class _Observer:
    """One runner observing the references of several scenarios, one loaded at a time.

    A runner imports torch and its scenarios' checks once (seconds of CPU); one per
    scenario would pay that for each of them when a whole catalog is graded. Observations
    come in bursts per scenario (the first candidate of a scenario asks for all of its
    examples; later ones find them cached), so switching the loaded reference is rare."""

    def __init__(self, scenario_ids: frozenset[str], device: str) -> None:
        self.scenario_ids = scenario_ids
        self.device = device
        self._runner = None
        self._loaded: str | None = None
        self._lock = threading.Lock()

    def observe(self, scenario, check: Check, example: dict[str, Any]) -> tuple[str, Any]:
        from bughunt.runner.client import Runner, RunnerLost

        with self._lock:
            try:
                if self._runner is None or not self._runner.alive:
                    self._runner, self._loaded = self._start(Runner), None
                if self._loaded != scenario.id:
                    if self._loaded is not None:
                        self._runner.end()
                    self._load(scenario)
                return self._runner.observe(check.name, example, time.monotonic() + REFERENCE_TIMEOUT)
            except RunnerLost as lost:
                self._loaded = None
                return "error", lost.message

    def _start(self, runner_class):
        from bughunt import catalog
        from bughunt.judge.grader import allowed_references, hidden_paths

        ids = sorted(self.scenario_ids)
        # Each reference may import what it imports alone (one judged reference may be
        # another's import: the loops of level 05 use level 03's epoch).
        shown = sorted({path for i in ids for path in allowed_references([i])})
        return runner_class([catalog.scenario(i).checks_module for i in ids], self.device, hidden_paths(), shown)

    def _load(self, scenario) -> None:
        problem = self._runner.load(scenario.reference_path.read_text(encoding="utf-8"),
                                    str(scenario.reference_path), f"reference_{scenario.module_name}",
                                    scenario.checks_module, load_timeout=REFERENCE_TIMEOUT)
        if problem is not None:
            raise NoReferenceObservation(f"the reference of {scenario.id} does not import: {problem}")
        self._loaded = scenario.id

    def close(self) -> None:
        with self._lock:
            if self._runner is not None:
                self._runner.close()
                self._runner = None


_observers: dict[tuple[str, frozenset[str]], _Observer] = {}
_observers_lock = threading.Lock()


def observer(scenario_ids, device: str) -> _Observer:
    """The runner for the references of `scenario_ids` (all imported together) on `device`."""
    key = (device, frozenset(scenario_ids))
    with _observers_lock:
        if key not in _observers:
            _observers[key] = _Observer(key[1], device)
        return _observers[key]


def close_observers() -> None:
    with _observers_lock:
        observers = list(_observers.values())
        _observers.clear()
    for each in observers:
        each.close()


class Reference:
    """One scenario's reference module and its observations on one device."""

    def __init__(self, scenario, device: str, *, disk: bool = True, observer: _Observer | None = None) -> None:
        self.scenario = scenario
        self.device = device
        # The runner that makes observations the cache does not hold; shared with the other
        # scenarios graded in this process when the caller knows them all up front.
        self.observer = observer or _Observer(frozenset([scenario.id]), device)
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
        status, value = self.observer.observe(self.scenario, check, example)
        if status != "observation":
            raise NoReferenceObservation(f"the reference fails check {check.name!r} of {self.scenario.id} "
                                         f"on {example}: {value}")
        return value

    def close(self) -> None:
        self.observer.close()

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
            if write_atomically(self.path, wire.encode(dict(self._stored))):
                self._dirty = False
