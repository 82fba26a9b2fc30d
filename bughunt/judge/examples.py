"""A check's examples, drawn once per (check, seed) and replayed for every candidate.

With a seed, Hypothesis draws the same examples whatever the property does while it passes:
they depend on the strategies, the explicit examples, the count and the seed only. So the
judge asks Hypothesis for the whole list once, with a property that only records, and then
walks that list for each candidate, stopping at the first failing example as before. A
mutant, a class of students or a re-check in `watch` then costs the observations and the
comparisons, not Hypothesis's engine again; and a file's first grade draws the next checks'
examples on a thread of its own while its runner observes the current one.

Examples are kept in the wire format, so each candidate is handed a fresh copy that nothing
before it can have changed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from bughunt import syntax, wire
from bughunt.judge.checking import Check, run_property


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


def drawn(scenario_id: str, chk: Check, seed: int) -> list[dict[str, Any]]:
    """`examples_of(chk, seed)`, drawn the first time and decoded afresh each time. `chk`
    is the check as graded (`grader.with_secret` already applied for this seed)."""
    with _entries_lock:
        entry = _entries.setdefault((scenario_id, chk.name, seed), _Entry())
    with entry.lock:  # a second asker waits for the first one's draw rather than repeat it
        if entry.encoded is None:
            entry.encoded = tuple(wire.encode(e) for e in examples_of(chk, seed))
    return [wire.decode(e) for e in entry.encoded]


def draw_ahead(scenario_id: str, checks: Iterable[Check], seed: int) -> None:
    """Draw the examples of `checks`, in order, on a thread of this process's own."""
    with _entries_lock:
        missing = [c for c in checks if (entry := _entries.get((scenario_id, c.name, seed))) is None
                   or entry.encoded is None]
    if not missing:
        return

    def draw_all() -> None:
        try:
            for chk in missing:
                drawn(scenario_id, chk, seed)
        except BaseException:  # noqa: BLE001 - the grading thread draws again and reports it
            return

    threading.Thread(target=draw_all, name="bughunt-examples", daemon=True).start()
