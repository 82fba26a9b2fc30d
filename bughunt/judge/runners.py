"""A pool of runner processes for a set of scenarios: taken for one candidate, given back.

`fresh` pools (hostile code: `check`, `submit`) close every runner after one candidate;
otherwise (our own mutants: `analyze`, `generate`; the learner's `watch`) a runner that is
still alive goes back to the pool, warm, for the next one. What a runner may see is fixed
here, once per pool. A pool of one worker on a machine of two cores or more starts its
runners with a twin channel: a candidate whose every example is asked for (`check`,
`submit`, `watch`) is then loaded twice and observed on two cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from bughunt import catalog
from bughunt.runner.client import Runner
from bughunt.runner.visibility import hidden_paths, shown_for


def cores() -> int:
    """The cores this process may run on (all of the machine's where that cannot be asked)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Runners:
    def __init__(self, scenario_ids: Iterable[str], *, device: str = "cpu", workers: int = 1,
                 fresh: bool = False, hidden: Iterable[Path] = ()) -> None:
        self.scenario_ids = sorted(set(scenario_ids))
        self.device = device
        self.workers = max(1, workers)
        self.fresh = fresh
        self.twin = self.workers == 1 and cores() >= 2
        self.hidden = hidden_paths(hidden)
        self.shown = shown_for(self.scenario_ids)
        self._modules = [catalog.scenario(s).checks_module for s in self.scenario_ids]
        self._idle: list[Runner] = []
        self._lock = threading.Lock()

    def take(self) -> Runner:
        """A runner with no candidate loaded: a warm one if any, else a new one."""
        with self._lock:
            while self._idle:
                runner = self._idle.pop()
                if runner.alive:
                    return runner
        return self._new()

    def give_back(self, runner: Runner) -> None:
        if self.fresh or not runner.alive:
            runner.close()
            return
        with self._lock:
            self._idle.append(runner)

    def prestart(self, count: int) -> None:
        """Start runners now: they boot (Python, torch, the checks) while this process
        imports the same for its own side, on the other core."""
        with self._lock:
            missing = count - len(self._idle)
        for _ in range(missing):
            runner = self._new()
            with self._lock:
                self._idle.append(runner)

    def _new(self) -> Runner:
        # A runner that will see many candidates does torch's first-use work once, for all.
        return Runner(self._modules, self.device, self.hidden, self.shown, warm_up=not self.fresh, twin=self.twin)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for runner in idle:
            runner.close()
