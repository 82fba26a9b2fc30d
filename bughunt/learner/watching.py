"""Noticing saves of one file: watchfiles when it is installed, polling otherwise.

Editors save in different ways (write in place, or write a temporary file and rename it),
so a change counts when the file's bytes differ from the last ones seen, whatever events
announced it.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from pathlib import Path


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class FileWatcher:
    """Puts the file's path on `changes` each time its content changes, from a thread."""

    def __init__(self, path: Path, poll: bool | None = None, interval: float = 0.3) -> None:
        self.path = Path(path)
        self.changes: queue.Queue[Path] = queue.Queue()
        self._stop = threading.Event()
        self._last = _digest(self.path)
        self._interval = interval
        use_poll = poll if poll is not None else bool(os.environ.get("BUGHUNT_WATCH_POLL"))
        if not use_poll:
            try:
                import watchfiles  # noqa: F401
            except ImportError:
                use_poll = True
        self.mode = "polling" if use_poll else "watchfiles"
        target = self._poll if use_poll else self._watch
        self._thread = threading.Thread(target=target, name="bughunt-watch", daemon=True)

    def start(self) -> FileWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def retarget(self, path: Path) -> None:
        """Watch another file (after `next`); only polling and the folder watch follow it."""
        self.path = Path(path)
        self._last = _digest(self.path)

    def _maybe_changed(self) -> None:
        digest = _digest(self.path)
        if digest is not None and digest != self._last:
            self._last = digest
            self.changes.put(self.path)

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            self._maybe_changed()

    def _watch(self) -> None:
        import watchfiles

        # The whole variants tree is watched, so `retarget` needs no restart.
        root = self.path.parent.parent
        for _ in watchfiles.watch(root, stop_event=self._stop, rust_timeout=500, yield_on_timeout=True,
                                  recursive=True, raise_interrupt=False):
            self._maybe_changed()
