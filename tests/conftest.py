"""Shared test set-up. OpenMP is single-threaded in every process the tests start: the
runners inherit this environment and fork a child per candidate from a warm process, where
a forked OpenMP pool can deadlock; and on two test workers, more threads only contend."""

import os

os.environ["OMP_NUM_THREADS"] = "1"

import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

# The reference's cached observations go to a folder of this run, not the user's cache.
os.environ.setdefault("BUGHUNT_CACHE", tempfile.mkdtemp(prefix="bughunt-test-cache-"))

# The files that grade the whole catalog go first: with two workers taking one file at a
# time, the long ones then run beside the many short ones instead of after them.
CATALOG_WIDE = ("test_content.py", "test_camouflage_content.py", "test_demos.py", "test_alternatives.py")
# Those that grade every reference at the same check seeds go to one worker, one after the
# other: there the references' observations and drawn examples, made once in memory, serve
# them all, where two workers starting together from a cold cache would each make them.
SHARING_REFERENCES = ("test_content.py", "test_camouflage_content.py", "test_alternatives.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: CATALOG_WIDE.index(item.path.name) if item.path.name in CATALOG_WIDE
               else len(CATALOG_WIDE))


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: a run with `-p no:xdist` has no such hook
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the files of SHARING_REFERENCES one unit of work."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class _SharingReferences(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "the references' observations" if Path(scope).name in SHARING_REFERENCES else scope

    return _SharingReferences(config, log)


class Background:
    """A command that runs beside the tests after it: for one that mostly waits (a sleeper
    spends the file's whole 30 s wall budget), so its wait overlaps their work. `result()`
    gives what it printed and how long it ran, measured when it ended."""

    def __init__(self, argv: list[str], folder: Path) -> None:
        self.folder = folder
        self.started = time.monotonic()
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        cwd=folder)
        self.seconds = float("inf")
        self._output = ("", "")
        self._waiting = threading.Thread(target=self._wait, daemon=True)
        self._waiting.start()

    def _wait(self) -> None:
        self._output = self.process.communicate()
        self.seconds = time.monotonic() - self.started

    def result(self, timeout: float = 180) -> tuple[subprocess.CompletedProcess, float]:
        self._waiting.join(timeout)
        self.stop()
        self._waiting.join()
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, *self._output), self.seconds

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


@pytest.fixture(scope="module")
def background():
    """`background(argv, folder)`: a `Background` command, stopped when the module's tests end."""
    started: list[Background] = []

    def start(argv: list[str], folder: Path) -> Background:
        started.append(Background(argv, folder))
        return started[-1]

    yield start
    for each in started:
        each.stop()
