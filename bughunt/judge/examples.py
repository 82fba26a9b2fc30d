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
also kept in its cache file beside the reference's observations, under the same trust rules:
a later `check` of the same scenario and seed then draws nothing at all. Their key names
what else decides them: Hypothesis's version and this module's and the grader's sources
(which move the explicit examples by the secret seed).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from bughunt import syntax, wire
from bughunt.judge.checking import Check, run_property


class Shelf(Protocol):
    """Where drawn examples outlive this process (`reference.Reference`)."""

    def kept(self, key: str) -> bytes | None: ...

    def keep(self, key: str, value: bytes) -> None: ...


def examples_of(chk: Check, seed: int) -> list[dict[str, Any]]:
    """Every example `run_property(chk, prop, seed)` calls a passing `prop` with, in order."""
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
    """What decides a drawn list besides the checks' sources (which name the cache file)."""
    import hypothesis

    here = Path(__file__).parent
    sources = b"".join((here / name).read_bytes() for name in ("examples.py", "grader.py"))
    return f"{hypothesis.__version__}:{hashlib.sha256(sources).hexdigest()[:12]}"


def drawn(scenario_id: str, chk: Check, seed: int, shelf: Shelf | None = None) -> list[dict[str, Any]]:
    """`examples_of(chk, seed)`, drawn the first time (or read from `shelf`) and decoded
    afresh each time. `chk` is the check as graded (`grader.with_secret` already applied for
    this seed)."""
    with _entries_lock:
        entry = _entries.setdefault((scenario_id, chk.name, seed), _Entry())
    with entry.lock:  # a second asker waits for the first one's draw rather than repeat it
        if entry.encoded is None:
            entry.encoded = _unshelved(shelf, chk, seed)
        if entry.encoded is None:
            entry.encoded = tuple(wire.encode(e) for e in examples_of(chk, seed))
            if shelf is not None:
                shelf.keep(_key(chk, seed), wire.encode(list(entry.encoded)))
    return [wire.decode(e) for e in entry.encoded]


def _key(chk: Check, seed: int) -> str:
    return f"examples:{_version()}:{chk.name}:{seed}"


def _unshelved(shelf: Shelf | None, chk: Check, seed: int) -> tuple[bytes, ...] | None:
    kept = shelf.kept(_key(chk, seed)) if shelf is not None else None
    if kept is None:
        return None
    try:
        encoded = wire.decode(kept)
    except Exception:  # noqa: BLE001 - a damaged entry is drawn again
        return None
    if not isinstance(encoded, list) or not all(isinstance(e, bytes) for e in encoded):
        return None
    return tuple(encoded)


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
