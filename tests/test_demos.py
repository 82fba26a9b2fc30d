"""Every reference's `__main__` demo runs, as `python FILE` runs it, and prints something."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bughunt import catalog

SCENARIOS = catalog.all_scenarios()
IDS = [s.id for s in SCENARIOS]

# Every demo in a child forked from one process that imported torch once (a fresh
# interpreter per demo spent most of its time importing torch), as `python FILE` runs it.
_DEMOS = """
import os, runpy, signal, sys, traceback
import torch
folder = sys.argv[1]
for line in sys.stdin:
    index, path = line.rstrip("\\n").split(" ", 1)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        signal.alarm(120)
        for fd, name in ((1, "out"), (2, "err")):
            os.dup2(os.open(os.path.join(folder, f"{index}.{name}"), os.O_WRONLY | os.O_CREAT), fd)
        sys.argv, sys.path[0] = [path], os.path.dirname(path)
        code = 0
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(index, os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    folder = tmp_path_factory.mktemp("demos")
    paths = "".join(f"{i} {s.reference_path}\n" for i, s in enumerate(SCENARIOS))
    done = subprocess.run([sys.executable, "-c", _DEMOS, str(folder)], input=paths, capture_output=True,
                          text=True, timeout=60 * len(SCENARIOS), env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    codes = dict(line.split() for line in done.stdout.splitlines())
    return {s.id: (int(codes.get(str(i), -1)), (folder / f"{i}.out").read_text() if (folder / f"{i}.out").exists() else "",
                   (folder / f"{i}.err").read_text() if (folder / f"{i}.err").exists() else done.stderr)
            for i, s in enumerate(SCENARIOS)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_reference_demo_runs(scenario, demo_runs):
    code, out, err = demo_runs[scenario.id]
    assert code == 0, err[-2000:]
    assert out.strip()
