"""The learner's record, in SQLite beside the variants: attempts, hints, reveals, scores."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bughunt.errors import UsageError, notify

if TYPE_CHECKING:
    from bughunt.variants.manifest import Manifest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS variants (
    folder TEXT PRIMARY KEY, variant TEXT, scenario TEXT, kind TEXT, bug_class TEXT,
    site TEXT, seed INTEGER, served_at REAL, solved_at REAL, attempts INTEGER DEFAULT 0,
    hints INTEGER DEFAULT 0, revealed INTEGER DEFAULT 0, score INTEGER, source_hash TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
    folder TEXT, at REAL, passed INTEGER, failed_checks TEXT
);
CREATE TABLE IF NOT EXISTS hints_after_fix (
    folder TEXT, at REAL
);
"""
# `variants.hints` counts the hints that cost: those asked before the round was solved. A
# hint read after the fix is only curiosity; it is kept apart so that it neither lowers the
# score nor counts as a miss, while the ladder still moves on.

# A fix is worth 100, less 10 a hint and 5 a failed attempt, never under 10; 0 once revealed.
FULL, HINT_COST, MISS_COST, FLOOR = 100, 10, 5, 10


@dataclass
class Record:
    folder: str
    variant: str
    scenario: str
    kind: str
    bug_class: str
    site: str
    seed: int
    served_at: float
    solved_at: float | None
    attempts: int
    hints: int
    revealed: int
    score: int | None
    source_hash: str

    @property
    def solved(self) -> bool:
        return self.solved_at is not None

    @property
    def seconds_to_fix(self) -> float | None:
        return None if self.solved_at is None else self.solved_at - self.served_at

    # The score is fixed by the first passing submit, so it tells how that fix came about.
    @property
    def fixed_unaided(self) -> bool:
        """Fixed before the answer was revealed (a fix after a reveal scores 0, nothing else does)."""
        return self.solved and self.score != 0

    @property
    def first_try(self) -> bool:
        """Fixed by the first submit, with no hint before it (the only way to score FULL)."""
        return self.solved and self.score == FULL


def score(attempts: int, hints: int, revealed: bool) -> int:
    if revealed:
        return 0
    return max(FLOOR, FULL - HINT_COST * hints - MISS_COST * max(0, attempts - 1))


class Progress:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._now = clock  # seconds since the epoch; tests pass a fake one

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open()
        except sqlite3.DatabaseError:
            # Random bytes or a foreign schema: keep the file for the curious, start afresh,
            # and never lose the verdict that is about to be recorded.
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            self.path.replace(aside)
            notify(f"{self.path} was damaged; moved it to {aside.name} and started a fresh record")
            return self._open()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path)
        try:
            connection.executescript(_SCHEMA)
            connection.execute(f"SELECT {_COLUMNS} FROM variants LIMIT 0")
            connection.execute("SELECT folder, at, passed, failed_checks FROM attempts LIMIT 0")
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    def require_writable(self) -> None:
        """A one-line UsageError now, before any work, if the record cannot be written."""
        folder = self.path.parent
        while not folder.exists():
            folder = folder.parent
        target = self.path if self.path.exists() else folder
        if not os.access(target, os.W_OK):
            raise UsageError(f"cannot write the progress record {str(self.path)!r}: the workspace is read-only")

    def served(self, folder: str, manifest: Manifest, source_hash: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO variants (folder, variant, scenario, kind, bug_class, site, seed, "
                "served_at, source_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (folder, manifest.variant, manifest.scenario, manifest.kind,
                 manifest.bug_class, manifest.site, manifest.seed,
                 self._now(), source_hash))

    def attempt(self, folder: str, passed: bool, failed_checks: list[str]) -> Record:
        """Record a submission; the first passing one fixes the time and the score."""
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO attempts VALUES (?, ?, ?, ?)",
                       (folder, self._now(), int(passed), ",".join(failed_checks)))
            db.execute("UPDATE variants SET attempts = attempts + 1 WHERE folder = ?", (folder,))
            record = self._get(db, folder)
            if passed and not record.solved:
                db.execute("UPDATE variants SET solved_at = ?, score = ? WHERE folder = ?",
                           (self._now(), score(record.attempts, record.hints, bool(record.revealed)), folder))
            return self._get(db, folder)

    def hint(self, folder: str) -> int:
        """Count one more hint (free once the round is solved); return how many hints this
        variant has shown, which is the rung of the ladder just reached."""
        with closing(self._connect()) as db, db:
            if self._get(db, folder).solved:
                db.execute("INSERT INTO hints_after_fix VALUES (?, ?)", (folder, self._now()))
            else:
                db.execute("UPDATE variants SET hints = hints + 1 WHERE folder = ?", (folder,))
            return self._hints_shown(db, folder)

    def hints_shown(self, folder: str) -> int:
        """Every hint this variant has shown, before and after its fix."""
        with closing(self._connect()) as db:
            return self._hints_shown(db, folder)

    def _hints_shown(self, db: sqlite3.Connection, folder: str) -> int:
        after = db.execute("SELECT COUNT(*) FROM hints_after_fix WHERE folder = ?", (folder,)).fetchone()[0]
        return self._get(db, folder).hints + after

    def reveal(self, folder: str) -> None:
        """The answer was shown: an open round scores 0, now and if it is fixed afterwards. A
        reveal after the fix, like a hint after it, changes nothing."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE variants SET revealed = 1, score = 0 WHERE folder = ? AND solved_at IS NULL",
                       (folder,))

    def ensure(self, folder: str, manifest: Manifest) -> Record:
        """The folder's record, started now if the database never saw it (it was removed)."""
        with closing(self._connect()) as db, db:
            try:
                return self._get(db, folder)
            except KeyError:
                pass
        self.served(folder, manifest, "")
        return self.get(folder)

    def get(self, folder: str) -> Record:
        with closing(self._connect()) as db:
            return self._get(db, folder)

    def records(self) -> list[Record]:
        if not self.path.exists():  # nothing played yet: do not create a workspace for it
            return []
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM variants ORDER BY served_at, rowid").fetchall()
        return [Record(*row) for row in rows]

    def failed_attempts(self) -> dict[str, int]:
        """Per folder, how many of its submits did not pass (folders with none are left out)."""
        if not self.path.exists():
            return {}
        with closing(self._connect()) as db:
            rows = db.execute("SELECT folder, COUNT(*) FROM attempts WHERE passed = 0 GROUP BY folder").fetchall()
        return dict(rows)

    def served_hashes(self) -> frozenset[str]:
        return frozenset(r.source_hash for r in self.records() if r.source_hash)

    @staticmethod
    def _get(db: sqlite3.Connection, folder: str) -> Record:
        row = db.execute(f"SELECT {_COLUMNS} FROM variants WHERE folder = ?", (folder,)).fetchone()
        if row is None:
            raise KeyError(folder)
        return Record(*row)


_COLUMNS = ("folder, variant, scenario, kind, bug_class, site, seed, served_at, solved_at, attempts, "
            "hints, revealed, score, source_hash")


def track_summary(records: list[Record]) -> list[dict]:
    """The track level by level, in the order it is played: what is solved of each."""
    from bughunt import catalog
    from bughunt.variants.manifest import BUG, CHALLENGE

    rows = []
    for number in catalog.track().level_order():
        level = catalog.level(number)
        ids = {s.id for s in catalog.scenarios_of(level)}
        solved = [r for r in records if r.solved and r.scenario in ids]
        rows.append({"level": number, "title": level.title, "scenarios": len(ids),
                     "challenges_solved": len({r.scenario for r in solved if r.kind == CHALLENGE}),
                     "bugs_fixed": sum(r.kind == BUG for r in solved)})
    return rows


def summary(records: list[Record]) -> dict:
    """What `progress --json` (and the notebook's `bh.progress()`) reports of a workspace."""
    return {"track": track_summary(records),
            "records": [{**r.__dict__, "solved": r.solved, "seconds_to_fix": r.seconds_to_fix} for r in records],
            "total_score": sum(r.score or 0 for r in records)}
