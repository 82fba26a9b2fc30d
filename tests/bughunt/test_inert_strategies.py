"""The runner imports the checks with inert stand-ins for Hypothesis, then gives a candidate
the real one. Run in a fresh interpreter: this one has Hypothesis loaded already."""

import subprocess
import sys

PROBE = """
import importlib, sys
from bughunt import catalog
from bughunt.inert_strategies import INERT, inert_hypothesis

with inert_hypothesis():
    modules = [importlib.import_module(s.checks_module) for s in catalog.all_scenarios()]
assert not [m for m in sys.modules if m.startswith("hypothesis")], "a stand-in stayed behind"
given = [value for m in modules for c in m.CHECKS for value in (c.given or {}).values()]
assert given and all(value is INERT for value in given), "a checks module drew on real Hypothesis"
import hypothesis.strategies as st  # what a candidate's own import gets
assert st.integers(0, 3).example() in range(4)
with inert_hypothesis():  # loaded now: the block leaves it alone
    assert sys.modules["hypothesis.strategies"] is st
print("ok")
"""


def test_the_checks_import_with_stand_ins_and_a_candidate_gets_the_real_hypothesis():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
