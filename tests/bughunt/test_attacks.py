"""A hostile submission cannot pass: one test per attack family, through `bughunt check --json`.

Each attack pairs a wrong `train_one_epoch` (it trains nothing) with a way to fool a grader
that shares its process or its files. Every one must end with exit 1 and one JSON document
saying `"passed": false`, within the time limit, leaving no process behind and, under
namespaces, no file written outside its scratch folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bughunt import catalog
from bughunt.judge import grader
from bughunt.runner import isolation

SCENARIO = catalog.scenario("l03_training.one_epoch")
REFERENCE = SCENARIO.reference_path
MARK = "bughunt-attack-7f3a"  # in the argv of every process an attack leaves running
WRONG = "def train_one_epoch(model, loader, optimizer, loss_fn, device):\n    return 0.0\n"

ATTACKS = {
    "re-export the reference": "from clean_reference.l03_training.one_epoch import train_one_epoch\n",
    "exec the reference from disk": WRONG + f"exec(open({str(REFERENCE)!r}).read())\n",
    "re-export it through a later level": "from clean_reference.l05_intermediate.loops import train_one_epoch\n",
    "find the reference next to the engine": WRONG + (
        "import pathlib, bughunt\n"
        "root = pathlib.Path(bughunt.__file__).resolve().parent.parent\n"
        "exec((root / 'clean_reference/l03_training/one_epoch.py').read_text())\n"),
    "rewrite the comparison and the verdict": WRONG + (
        "import json, torch, bughunt.judge.checking as checking, scenarios._support as support\n"
        "support.assert_close = lambda *a, **k: None\n"
        "support.assert_same_parameters = lambda *a, **k: None\n"
        "support.assert_same_loss = lambda *a, **k: None\n"
        "torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)\n"
        "checking.Outcome.passed = property(lambda self: True)\n"
        "json.dumps = lambda *a, **k: '{\"passed\": true}'\n"),
    "break the optimizer for everyone": WRONG + (
        "import torch\n"
        "torch.optim.SGD.step = lambda self, closure=None: None\n"
        "torch.optim.Optimizer.zero_grad = lambda self, set_to_none=True: None\n"
        "torch.cat = lambda *a, **k: None\n"),
    "forge a pass on the report channel": WRONG + (
        "import os, struct, json\n"
        "fake = json.dumps({'$d': {'op': 'observation', 'value': True}}).encode()\n"
        "payload = struct.pack('>I', len(fake)) + fake\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, struct.pack('>I', len(payload)) + payload)\n"
        "    except OSError:\n"
        "        pass\n"
        "os._exit(0)\n"),
    "walk the stack to the runner's channel": (
        "import inspect, bughunt.wire as wire\n"
        "def train_one_epoch(model, loader, optimizer, loss_fn, device):\n"
        "    for frame in inspect.stack():\n"
        "        channel = frame.frame.f_locals.get('channel')\n"
        "        if channel is not None:\n"
        "            wire.send(channel, {'op': 'observation', 'value': {}})\n"
        "            wire.send(channel, {'op': 'observation', 'value': 1.0})\n"
        "    return 0.0\n"),
    "a malformed and a huge message": WRONG + (
        "import os, socket\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        socket.socket(fileno=os.dup(fd)).sendall(b'\\xff\\xff\\xff\\xff' + b'x' * 2**20)\n"
        "    except OSError:\n"
        "        pass\n"),
    "write to the judge's stdout through /proc": WRONG + (
        "import os\n"
        "for pid in (os.getppid(), 1, 2):\n"
        "    for fd in (1, 2):\n"
        "        try:\n"
        "            with open(f'/proc/{pid}/fd/{fd}', 'w') as out:\n"
        "                out.write('{\"passed\": true}\\n')\n"
        "        except OSError:\n"
        "            pass\n"),
    "leave a daemon and forked children": WRONG + (
        "import os\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            os.execvp('sleep', ['sleep', '300', '{MARK}'])\n"
        "        os._exit(0)\n"),
}

FILE_ATTACK = WRONG + (
    "import pathlib, os\n"
    "targets = [{reference!r}, {database!r}, {outside!r}, {sibling!r}]\n"
    "for target in targets:\n"
    "    try:\n"
    "        pathlib.Path(target).write_text('# hijacked\\n')\n"
    "    except OSError:\n"
    "        pass\n"
    "try:\n"
    "    os.remove({sibling!r})\n"
    "except OSError:\n"
    "    pass\n")


def _argv(file: Path, *extra: str, limit: str = "10") -> list[str]:
    return [sys.executable, "-m", "bughunt", "check", SCENARIO.id, str(file), "--json", "--timeout", limit, *extra]


def _check(file: Path, *extra: str, env=None, limit: str = "10",
           timeout: float = 240) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(_argv(file, *extra, limit=limit), capture_output=True, text=True, timeout=timeout,
                          env=env or os.environ.copy(), cwd=file.parent)
    return done, time.monotonic() - started


def _left_running() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARK in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(entry.name)
            except OSError:
                pass
    return found


@pytest.fixture(scope="module", autouse=True)
def late(background, tmp_path_factory):
    """The reference, but every answer 30 s late: it waits out the file's wall budget while
    hardly using a CPU, so it starts with this module and runs beside its tests."""
    folder = tmp_path_factory.mktemp("late")
    (folder / "slow.py").write_text(REFERENCE.read_text() +
                                    "\n_real = train_one_epoch\n"
                                    "def train_one_epoch(*args):\n"
                                    "    import time\n"
                                    "    time.sleep(30)\n"
                                    "    return _real(*args)\n")
    return background(_argv(folder / "slow.py", limit="3"), folder)


def _assert_refused(done: subprocess.CompletedProcess, seconds: float) -> dict:
    assert done.returncode == 1, (done.returncode, done.stdout[-500:], done.stderr[-500:])
    document = json.loads(done.stdout)  # exactly one document, nothing around it
    assert document["passed"] is False
    assert all(isinstance(c["passed"], bool) for c in document["checks"])
    assert seconds < 200
    assert not _left_running()
    return document


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_fails(name, tmp_path):
    if isolation.level() != isolation.NAMESPACES and name in (
            "re-export the reference", "exec the reference from disk", "find the reference next to the engine",
            "re-export it through a later level"):
        pytest.skip("reading the reference is only prevented with namespaces (bubblewrap)")
    file = tmp_path / "attack.py"
    file.write_text(ATTACKS[name])
    done, seconds = _check(file)
    _assert_refused(done, seconds)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["attack.py"]


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")
def test_files_outside_the_scratch_folder_are_out_of_reach(tmp_path):
    workspace = tmp_path / "work"
    (workspace / "variants" / "002-other").mkdir(parents=True)
    database = workspace / "progress.sqlite"
    database.write_text("scores")
    sibling = workspace / "variants" / "002-other" / "other.py"
    sibling.write_text("mine")
    outside = tmp_path / "planted.txt"
    reference_before = REFERENCE.read_bytes()
    file = workspace / "variants" / "attack.py"
    file.write_text(FILE_ATTACK.format(reference=str(REFERENCE), database=str(database),
                                       outside=str(outside), sibling=str(sibling)))
    done, seconds = _check(file, env={**os.environ, "BUGHUNT_WORKSPACE": str(workspace)})
    _assert_refused(done, seconds)
    assert REFERENCE.read_bytes() == reference_before
    assert database.read_text() == "scores" and sibling.read_text() == "mine"
    assert not outside.exists()


def test_correct_files_pass_with_the_machine_saturated(tmp_path):
    """Three checks at once on two cores, each with a busy loop beside it: still passes."""
    alternative = Path(__file__).parents[1] / "alternatives" / "l03_training" / "one_epoch.py"
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        runs = [subprocess.Popen([sys.executable, "-m", "bughunt", "check", SCENARIO.id, str(path), "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
                for path in (REFERENCE, alternative, REFERENCE)]
        results = [(run.communicate(timeout=400), run.returncode) for run in runs]
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    for (stdout, stderr), code in results:
        assert code == 0, (stdout[-800:], stderr[-800:])
        assert json.loads(stdout)["passed"] is True
    assert list(tmp_path.iterdir()) == []  # check writes nothing where it runs


def test_an_answer_that_arrives_late_is_a_timeout_not_a_pass(late):
    """Last here: it ran beside the tests above."""
    done, seconds = late.result()
    document = _assert_refused(done, seconds)
    assert [c["status"] for c in document["checks"]] == ["timeout"] * len(grader.checks_of(SCENARIO.id))
