"""`bughunt submit` on a round with one bug that is not fixed yet never imports libcst: the
learner's most frequent command stays off the mutators (and their 0.4 s of imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bughunt import catalog
from bughunt.learner.workspace import Workspace
from bughunt.variants.manifest import Bug, Manifest

SCENARIO = catalog.scenario("l04_bug_finding.bug_06_inplace")

# Runs the command in a fresh interpreter, then reports what it imported.
_DRIVER = """
import json, sys
from bughunt.cli.main import cli
loaded_by_import = "libcst" in sys.modules
try:
    cli(["submit", "--workspace", sys.argv[1], "--json"], standalone_mode=False)
except SystemExit as done:
    code = done.code
print(json.dumps({"at_import": loaded_by_import, "after": "libcst" in sys.modules, "code": code}))
"""


def _submit(workspace: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _DRIVER, str(workspace)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_unfixed_one_bug_round_is_graded_without_libcst(tmp_path):
    manifest = Manifest(SCENARIO.id, variant="bug_06_inplace-test",
                        bugs=(Bug("inplace", SCENARIO.classic_site),))
    reference = SCENARIO.reference_path.read_text(encoding="utf-8")
    folder = Workspace(tmp_path).create("bug_06_inplace-test", SCENARIO, reference, manifest, "brief")
    folder.file.write_text('raise RuntimeError("not fixed yet")\n', encoding="utf-8")
    report = _submit(tmp_path)
    assert report == {"at_import": False, "after": False, "code": 1}
