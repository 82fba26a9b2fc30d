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

The disk cache is only used where no candidate could have written it: the runner must not
see or write it (`namespaces` hides it, `uid` runs the candidate as another user), and the
folder and file must be the judge's own and writable by no one else. Under `process`
isolation the candidate runs as the judge's user, so observations stay in memory. Each
grade reads its file (`Reference.load`) before the candidate's runner is handed any code.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import os
import stat
import tempfile
import threading
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from bughunt import catalog, wire
from bughunt.judge.checking import Check
from bughunt.runner import isolation
from bughunt.runner.client import Budget, Runner, RunnerLost
from bughunt.runner.visibility import cache_dir, hidden_paths, shown_for
from bughunt.wire import Op

__all__ = ["cache_dir", "sources_digest", "write_atomically", "trusted", "NoReferenceObservation", "Reference", "Ahead",
           "reference_of", "close_references"]

_PACKAGES = ("clean_reference", "scenarios")
_ENGINE_FILES = ("placement.py", "wire.py", "judge/checking.py")


@cache
def sources_digest() -> str:
    import bughunt

    # Read from the installed distribution, not `torch.__version__`: naming the cache file
    # comes before the judge's own import of torch, so the runners can boot meanwhile.
    digest = hashlib.sha256(metadata.version("torch").encode())
    roots = [Path(importlib.import_module(name).__file__).parent for name in _PACKAGES]
    files = [f for root in roots for f in sorted(root.rglob("*.py"))]
    files += [Path(bughunt.__file__).parent / name for name in _ENGINE_FILES]
    for file in files:
        digest.update(str(file.name).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# A reference observation is ours to make: it gets far longer than a candidate's deadline.
REFERENCE_TIMEOUT = 300.0
_REFERENCE_BUDGET = Budget(REFERENCE_TIMEOUT, REFERENCE_TIMEOUT)


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

    def observe(self, scenario, check: Check, example: dict[str, Any]) -> tuple[Op, Any]:
        """The reference's observation; a failure is tried once more in a freshly loaded
        reference, since what an earlier example left in the same process (a child, a
        socket) is no part of the reference's answer: the ranks of `run_distributed` once
        failed on every second run in one sandbox, and never alone."""
        with self._lock:
            status, value = self._observe(scenario, check, example)
            if status != Op.OBSERVATION:
                self._reload()
                status, value = self._observe(scenario, check, example)
            return status, value

    def boot(self) -> None:
        """Start the runner now, not at the first observation."""
        with self._lock:
            if self._runner is None or not self._runner.alive:
                self._runner, self._loaded = self._start(), None

    def _observe(self, scenario, check: Check, example: dict[str, Any]) -> tuple[Op, Any]:
        try:
            if self._runner is None or not self._runner.alive:
                self._runner, self._loaded = self._start(), None
            if self._loaded != scenario.id:
                self._reload()
                self._load(scenario)
            return self._runner.observe(check.name, example, _REFERENCE_BUDGET)
        except RunnerLost as lost:
            self._loaded = None
            return Op.ERROR, lost.message

    def _reload(self) -> None:
        """End the loaded reference's process; the next observation loads it afresh."""
        if self._loaded is not None and self._runner is not None and self._runner.alive:
            try:
                self._runner.end()
            except RunnerLost:
                pass
        self._loaded = None

    def _start(self) -> Runner:
        ids = sorted(self.scenario_ids)
        # Each reference may import what it imports alone (one judged reference may be
        # another's import: the loops of level 05 use level 03's epoch).
        return Runner([catalog.scenario(i).checks_module for i in ids], self.device, hidden_paths(), shown_for(ids))

    def _load(self, scenario) -> None:
        problem = self._runner.load(scenario.reference_path.read_text(encoding="utf-8"),
                                    str(scenario.reference_path), f"reference_{scenario.module_name}",
                                    scenario.checks_module, _REFERENCE_BUDGET)
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

    def __init__(self, scenario, device: str, *, observer: _Observer | None = None) -> None:
        self.scenario = scenario
        self.device = device
        # The runner that makes observations the cache does not hold; shared with the other
        # scenarios graded in this process when the caller knows them all up front.
        self.observer = observer or _Observer(frozenset([scenario.id]), device)
        self.path = cache_dir() / "observations" / f"{scenario.id}-{device}-{sources_digest()}.bin" \
            if isolation.level() != isolation.PROCESS else None
        self._stored: dict[str, bytes] | None = None
        self._making: dict[str, threading.Event] = {}  # observations under way, by key
        self._dirty = False
        self._lock = threading.Lock()

    def observe(self, check: Check, example: dict[str, Any]) -> Any:
        """The reference's observation of `example`: cached, being made by another thread
        (waited for), or made now."""
        encoded = wire.encode(example)
        key = self._key(check, encoded)
        stored = self.load()
        while True:
            with self._lock:
                if key in stored:
                    return wire.decode(stored[key])
                making = self._making.get(key)
                if making is None:
                    making = self._making[key] = threading.Event()
                    break
            making.wait()  # then cached, or that thread failed and this one tries itself
        try:
            value = wire.encode(self._observe(check, wire.decode(encoded)))
            with self._lock:
                stored[key] = value
                self._dirty = True
        finally:
            with self._lock:
                del self._making[key]
            making.set()
        return wire.decode(value)

    def ahead(self, examples: Iterable[tuple[Check, dict[str, Any]]]) -> Ahead:
        """Observe `examples` in order on a thread of their own, those not cached, while the
        candidate's runner observes them too: on a cold cache the two runners work side by
        side on the two cores instead of in turn."""
        return Ahead(self, examples)

    def missing(self, check: Check, example: dict[str, Any]) -> bool:
        """Neither cached nor being made."""
        key = self._key(check, wire.encode(example))
        stored = self.load()
        with self._lock:
            return key not in stored and key not in self._making

    @staticmethod
    def _key(check: Check, encoded: bytes) -> str:
        return f"{check.name}:{hashlib.sha256(encoded).hexdigest()}"

    def kept(self, key: str) -> bytes | None:
        """Something else the judge keeps in this cache file (`examples`)."""
        return self.load().get(key)

    def keep(self, key: str, value: bytes) -> None:
        stored = self.load()
        with self._lock:
            stored[key] = value
            self._dirty = True

    def _observe(self, check: Check, example: dict[str, Any]) -> Any:
        status, value = self.observer.observe(self.scenario, check, example)
        if status != Op.OBSERVATION:
            raise NoReferenceObservation(f"the reference fails check {check.name!r} of {self.scenario.id} "
                                         f"on {example}: {value}")
        return value

    def close(self) -> None:
        self.observer.close()

    def load(self) -> dict[str, bytes]:
        """The observations on disk, read once (before any candidate of this grade runs)."""
        with self._lock:
            if self._stored is None:
                self._stored = {}
                if self.path is not None and trusted(self.path):
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
            if trusted(self.path.parent, missing_ok=True) and \
                    write_atomically(self.path, wire.encode(dict(self._stored))):
                self._dirty = False


class Ahead:
    """The reference observing a list of examples on a thread, ahead of the grading thread
    (which waits for an observation under way rather than repeat it). A failure is left to
    the grading thread, which meets it again and reports it."""

    def __init__(self, reference: Reference, examples: Iterable[tuple[Check, dict[str, Any]]]) -> None:
        self._reference = reference
        self._examples = examples
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bughunt-reference-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for check, example in self._examples:
                if self._stopping.is_set():
                    return
                if self._reference.missing(check, example):
                    self._reference.observe(check, example)
        except Exception:  # noqa: BLE001 - the grading thread observes it again and says why
            return

    def stop(self) -> None:
        """After the observation under way, if any: what it makes is cached like the rest."""
        self._stopping.set()
        self._thread.join()


def trusted(path: Path, missing_ok: bool = False) -> bool:
    """`path` and the folders above it up to the cache folder belong to this user and no one
    else may write them: only the judge could have put what they hold there."""
    me = os.geteuid()
    root = cache_dir()
    for each in [path, *path.parents]:
        try:
            info = each.lstat()
        except FileNotFoundError:
            if missing_ok:  # the judge will make it, with its own umask
                if each == root:
                    return True
                continue
            return False
        except OSError:
            return False
        if stat.S_ISLNK(info.st_mode) or info.st_uid != me or info.st_mode & 0o022:
            return False
        if each == root:
            return True
    return False


_references_lock = threading.Lock()
_references: dict[tuple[str, str], Reference] = {}


def reference_of(scenario_id: str, device: str, group: Iterable[str] = ()) -> Reference:
    """The reference of `scenario_id`; made the first time with one runner observing the
    references of the whole `group` (the scenarios graded together)."""
    with _references_lock:
        key = (scenario_id, device)
        if key not in _references:
            shared = observer(frozenset(group) | {scenario_id}, device)
            _references[key] = Reference(catalog.scenario(scenario_id), device, observer=shared)
        return _references[key]


@atexit.register
def close_references() -> None:
    """Stop the reference runners (they would also go with this process)."""
    with _references_lock:
        references = list(_references.values())
    for reference in references:
        reference.close()
    close_observers()
