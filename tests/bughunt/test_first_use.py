"""A warm runner does torch's first-use work once, before it forks: the child it forks to
observe a correct file imports nothing more, in any scenario. (The meta device's kernels
import sympy on their first call, 0.3 s, which every re-check in `watch` paid until the
checks modules that use the meta device named the work in `first_use`.)"""

from __future__ import annotations

import subprocess
import sys

PROBE = r"""
import importlib, os, sys
import torch
from bughunt import catalog, lazy_dynamo, placement
from bughunt.runner.__main__ import _exercise_torch
from bughunt.runner.loading import load_source

lazy_dynamo.install()
torch.set_num_threads(1)
placement.set_device("cpu")
scenarios = catalog.all_scenarios()
for scenario in scenarios:
    importlib.import_module(scenario.checks_module)
for scenario in scenarios:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a warm runner of this scenario alone, as `watch` starts one
        os.close(read)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # what a reference prints is not the report
        _exercise_torch([scenario.checks_module])
        candidate = load_source(scenario.reference_path.read_text(), str(scenario.reference_path), "candidate")
        before = set(sys.modules)
        for chk in sys.modules[scenario.checks_module].CHECKS:
            for example in chk.examples:
                chk.observe(candidate, **example)
        imported = sorted(set(sys.modules) - before)
        os.write(write, f"{scenario.id} imports {len(imported)}: {' '.join(imported[:4])}\n".encode()
                 if imported else b"")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as said:
        print(said.read(), end="")
    if status:
        print(f"{scenario.id}: the child ended with status {status}")
"""


def test_a_warm_runners_child_imports_nothing_while_it_observes_a_correct_file():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "", done.stdout
