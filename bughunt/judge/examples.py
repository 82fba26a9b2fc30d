"""A check's examples, drawn once per (check, seed) and replayed for every candidate.

With a seed, Hypothesis draws the same examples whatever the property does while it passes:
they depend on the strategies, the explicit examples, the count and the seed only. So the
judge asks Hypothesis for the whole list once, with a property that only records, and then
walks that list for each candidate, stopping at the first failing example as before. A
mutant, a class of students or a re-check in `watch` then costs the observations and the
comparisons, not Hypothesis's engine again; and a file's first grade draws the next checks'
examples on a thread of its own while its runner observes the current one.

Examples are kept in the wire format, so each candidate is handed a fresh copy that nothing
before it can have changed. Given a `shelf` (the scenario's `reference.Reference`), they are
also kept in its cache file beside the reference's observations, under the same trust rules,
with a mark once every check of the scenario has its examples for a seed (`mark_complete`).
A `check` that finds that mark draws nothing at all, so it imports the checks beside inert
stand-ins for Hypothesis (`bughunt.inert_strategies`) and never Hypothesis itself. Their key
names what else decides them: Hypothesis's version and this module's and the grader's
sources (which move the explicit examples by the secret seed).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from bughunt import syntax, wire
from bughunt.inert_strategies import inert
from bughunt.judge.checking import Check, run_property


class Shelf(Protocol):
    """Where drawn examples outlive this process (`reference.Reference`)."""

    def kept(self, key: str) -> bytes | None: ...

    def keep(self, key: str, value: bytes) -> None: ...


def examples_of(chk: Check, seed: int) -> list[dict[str, Any]]:
    """Every example `run_property(chk, prop, seed)` calls a passing `prop` with, in order."""
    if inert(chk.given):
        raise RuntimeError(f"check {chk.name!r} was imported without Hypothesis, and its examples are not kept")
    drawn: list[dict[str, Any]] = []
    with syntax.LOCK:  # Hypothesis parses sources of its own (`bughunt.syntax`)
        run_property(chk, lambda **example: drawn.append(example), seed)
    return drawn


class _Entry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.encoded: tuple[bytes, ...] | None = None


_entries: dict[tuple[str, str, int], _Entry] = {}
_entries_lock = threading.Lock()


@cache
def _version() -> str:
    """What decides a drawn list besides the checks' sources (which name the cache file):
    Hypothesis's version file, read without importing Hypothesis, and ours."""
    here = Path(__file__).parent
    files = [Path(importlib.util.find_spec("hypothesis").origin).parent / "version.py",
             here / "examples.py", here / "grader.py"]
    return hashlib.sha256(b"\0".join(f.read_bytes() for f in files)).hexdigest()[:16]


def drawn(scenario_id: str, chk: Check, seed: int, shelf: Shelf | None = None) -> list[dict[str, Any]]:
    """`examples_of(chk, seed)`, drawn the first time (or read from `shelf`) and decoded
    afresh each time. `chk` is the check as graded (`grader.with_secret` already applied for
    this seed)."""
    with _entries_lock:
        entry = _entries.setdefault((scenario_id, chk.name, seed), _Entry())
    with entry.lock:  # a second asker waits for the first one's draw rather than repeat it
        if entry.encoded is None:
            entry.encoded = _unshelved(shelf, chk.name, seed)
        if entry.encoded is None:
            entry.encoded = tuple(wire.encode(e) for e in examples_of(chk, seed))
            if shelf is not None:
                shelf.keep(_key(chk.name, seed), wire.encode(list(entry.encoded)))
    return [wire.decode(e) for e in entry.encoded]


def complete(shelf: Shelf, seed: int) -> bool:
    """Whether `shelf` holds the examples of every check of its scenario at `seed`."""
    names = _decoded(shelf.kept(_key("", seed)), str)
    return bool(names) and all(_unshelved(shelf, name, seed) is not None for name in names)


def mark_complete(shelf: Shelf, names: Sequence[str], seed: int) -> None:
    """Say so on `shelf` once every one of `names` (the scenario's checks) is there."""
    if names and _decoded(shelf.kept(_key("", seed)), str) != list(names) \
            and all(_unshelved(shelf, name, seed) is not None for name in names):
        shelf.keep(_key("", seed), wire.encode(list(names)))


def _key(name: str, seed: int) -> str:
    """A check's examples; with no name, the list of the checks that all have theirs."""
    return f"examples:{_version()}:{name}:{seed}"


def _unshelved(shelf: Shelf | None, name: str, seed: int) -> tuple[bytes, ...] | None:
    encoded = _decoded(shelf.kept(_key(name, seed)), bytes) if shelf is not None else None
    return tuple(encoded) if encoded is not None else None


def _decoded(kept: bytes | None, kind: type) -> list | None:
    """A list of `kind` from the shelf; None when missing or damaged (then drawn again)."""
    if kept is None:
        return None
    try:
        value = wire.decode(kept)
    except Exception:  # noqa: BLE001 - a damaged entry is as good as none
        return None
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        return None
    return value


def draw_ahead(scenario_id: str, checks: Iterable[Check], seed: int, shelf: Shelf | None = None) -> None:
    """Draw the examples of `checks`, in order, on a thread of this process's own."""
    with _entries_lock:
        missing = [c for c in checks if (entry := _entries.get((scenario_id, c.name, seed))) is None
                   or entry.encoded is None]
    if not missing:
        return

    def draw_all() -> None:
        try:
            for chk in missing:
                drawn(scenario_id, chk, seed, shelf)
        except BaseException:  # noqa: BLE001 - the grading thread draws again and reports it
            return

    threading.Thread(target=draw_all, name="bughunt-examples", daemon=True).start()
