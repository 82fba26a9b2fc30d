"""The reference's observations: computed in the judge, once, then cached.

An observation is deterministic per (scenario, check, example, device) and the sources that
produce it, so it is kept in memory for the life of the process (`analyze`, `generate`,
`watch`) and on disk in the user's cache folder (`check`, `submit`), in a file named by a
hash of every reference, checks and support source and the torch version: editing any of
them starts a new file. Observations are stored in the wire format, and handed out decoded
from it, so the reference's side goes through exactly what the candidate's goes through.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import os
import tempfile
import threading
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


# Observations seed and read process-wide state (the global RNG, torch's default dtype, the
# placement device), so two threads of the judge must never observe at the same time.
_OBSERVING = threading.Lock()


class NoReferenceObservation(RuntimeError):
    """The reference itself failed to observe: a broken check, not a candidate's fault."""


class Reference:
    """One scenario's reference module and its observations on one device."""

    def __init__(self, scenario, device: str, *, disk: bool = True) -> None:
        self.scenario = scenario
        self.device = device
        self.module = importlib.import_module(scenario.reference_module)
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
            try:
                # What the reference prints is not the judge's to print (check --json prints
                # exactly one document).
                with _OBSERVING, contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.redirect_stderr(io.StringIO()):
                    value = check.observe(self.module, **wire.decode(encoded))
            except Exception as error:
                raise NoReferenceObservation(
                    f"the reference fails check {check.name!r} of {self.scenario.id} on "
                    f"{example}: {type(error).__name__}: {error}") from error
            with self._lock:
                stored[key] = wire.encode(value)
                self._dirty = True
        return wire.decode(stored[key])

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
