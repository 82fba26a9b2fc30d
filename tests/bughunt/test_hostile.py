"""The grader holds against hostile files: one test per hole a student could try, each through
`bughunt check --json` as an instructor runs it.

Every attack must end with exit 1 and exactly one JSON document saying `"passed": false`,
in under a minute, leaving no process of its own behind and no file beside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bughunt import catalog, wire
from bughunt.runner import isolation

EPOCH = catalog.scenario("l03_training.one_epoch")
DATASETS = catalog.scenario("l01_data_processing.datasets")
MARK = "bughunt-hostile-51c9"  # in the argv of every process an attack may leave running
WRONG = "def train_one_epoch(model, loader, optimizer, loss_fn, device):\n    return 0.0\n"
ALTERNATIVE = Path(__file__).parents[1] / "alternatives" / "l03_training" / "one_epoch.py"
sandboxed = pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")


def _argv(file: Path, scenario=EPOCH, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bughunt", "check", scenario.id, str(file), "--json", *extra]


def _check(file: Path, scenario=EPOCH, *extra: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(_argv(file, scenario, *extra), capture_output=True, text=True, timeout=120,
                          cwd=file.parent, env={**os.environ, **(env or {})})
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


def _refused(tmp_path: Path, source: str, scenario=EPOCH, *extra: str, env: dict | None = None) -> dict:
    file = tmp_path / "attack.py"
    file.write_text(source)
    done, seconds = _check(file, scenario, *extra, env=env)
    return _assert_refused(done, seconds, tmp_path)


def _assert_refused(done: subprocess.CompletedProcess, seconds: float, tmp_path: Path) -> dict:
    assert done.returncode == 1, (done.returncode, done.stdout[-800:], done.stderr[-800:])
    document = json.loads(done.stdout)  # one document, nothing around it
    assert document["passed"] is False
    assert seconds < 60, seconds
    assert not _left_running()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["attack.py"]
    return document


@pytest.fixture(scope="module", autouse=True)
def sleeper(background, tmp_path_factory):
    """Sleeps through its import, then through every check. It takes the file's whole wall
    budget while hardly using a CPU, so it starts with this module and runs beside its tests."""
    folder = tmp_path_factory.mktemp("sleeper")
    (folder / "attack.py").write_text("import time\ntime.sleep(8)\n"
                                      "def train_one_epoch(*args):\n    time.sleep(120)\n")
    return background(_argv(folder / "attack.py"), folder)


def _failures(document: dict) -> list[dict]:
    return [c for c in document["checks"] if c["status"] not in ("pass", "not-run")]


# -- observations the grader owns --------------------------------------------------------

FORGERIES = {
    "replace each check's observe": (
        "import scenarios.l03_training.one_epoch as checks\n"
        "for chk in checks.CHECKS:\n"
        "    object.__setattr__(chk, 'observe', lambda module, **example: {})\n"),
    "swap an observe's code": (
        "import scenarios.l03_training.one_epoch as checks\n"
        "for chk in checks.CHECKS:\n"
        "    try:\n"
        "        chk.observe.__code__ = (lambda module, **example: {}).__code__\n"
        "    except Exception:\n"
        "        pass\n"),
    "replace a helper the checks call": (
        "import scenarios._support as support\n"
        "for name in dir(support):\n"
        "    if callable(getattr(support, name)) and not name.startswith('__'):\n"
        "        setattr(support, name, lambda *a, **k: {})\n"),
    "replace the encoder": (
        "import bughunt.wire as wire, json\n"
        "wire.encode = lambda value: json.dumps(value).encode()\n"),
    "walk the heap to the channel": (
        "import gc\n"
        "try:\n"
        "    found = [o for o in gc.get_objects() if type(o).__name__ == 'socket']\n"
        "except Exception:\n"
        "    pass\n"),
    "read the runner's memory": (
        "try:\n"
        "    open('/proc/self/mem', 'rb')\n"
        "except OSError:\n"
        "    pass\n"),
    "ctypes": (
        "try:\n"
        "    import ctypes\n"
        "    ctypes.string_at(id(object()), 8)\n"
        "except Exception:\n"
        "    pass\n"),
    "spy on the encoder from the runner's thread": (
        "import json, sys, threading\n"
        "real = json.dumps\n"
        "def spy(*args, **kwargs):\n"
        "    if threading.current_thread() is threading.main_thread():\n"
        "        raise SystemExit('the runner ran candidate code beside its key')\n"
        "    return real(*args, **kwargs)\n"
        "json.dumps = spy\n"),
    "write in the runner's result": (
        "import sys\n"
        "def train_one_epoch(*args):\n"
        "    frame = sys._getframe()\n"
        "    while frame is not None:\n"
        "        box = frame.f_locals.get('box')\n"
        "        if isinstance(box, list):\n"
        "            box.append((True, b'forged'))\n"
        "        frame = frame.f_back\n"
        "    return 0.0\n"),
    "trace the runner": (
        "import sys\n"
        "try:\n"
        "    sys.settrace(lambda *a: None)\n"
        "except Exception:\n"
        "    pass\n"),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_observation_is_tampering(name, tmp_path):
    document = _refused(tmp_path, WRONG + FORGERIES[name])
    assert "tampering detected" in _failures(document)[0]["message"]


def test_a_sealed_channel_refuses_what_the_candidate_writes_on_it(tmp_path):
    forged = wire.frame(wire.encode({"op": "loaded"})) + wire.frame(wire.encode({"op": "observation", "value": 0.0}))
    document = _refused(tmp_path, WRONG + (
        "import os\n"
        f"forged = {forged!r}\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, forged * 8)\n"
        "    except OSError:\n"
        "        pass\n"))
    assert "tampering detected" in _failures(document)[0]["message"]


def test_an_empty_file_for_a_scenario_fails_without_running(tmp_path):
    """The brief's attack: no dataset, no loader, only an import that would forge answers."""
    document = _refused(tmp_path, "import scenarios.l01_data_processing.datasets\n", DATASETS)
    first = _failures(document)[0]
    assert first["name"] == "api"
    assert "FeatureLabelDataset" in first["message"] and "make_loader" in first["message"]


def test_a_stub_is_not_implemented_rather_than_missing_its_api(tmp_path):
    from bughunt.challenge import make_stub

    document = _refused(tmp_path, make_stub(DATASETS.reference_path.read_text()), DATASETS)
    assert {c["status"] for c in document["checks"]} == {"not-implemented"}


# -- budgets: CPU, wall, the file as a whole ---------------------------------------------

def test_an_endless_loop_at_import_is_stopped_by_its_cpu(tmp_path):
    document = _refused(tmp_path, WRONG + "while True:\n    pass\n")
    first = _failures(document)[0]
    assert first["status"] == "timeout" and "CPU" in first["message"]
    assert first["name"] == "imports"


def test_an_endless_loop_in_a_check_is_stopped_by_its_cpu(tmp_path):
    document = _refused(tmp_path, "def train_one_epoch(*args):\n    while True:\n        pass\n",
                        EPOCH, "--timeout", "2")
    statuses = [c["status"] for c in document["checks"]]
    assert statuses[0] == "timeout" and set(statuses) <= {"timeout", "not-run"}  # after 4 runners, not run
    assert "CPU" in document["checks"][0]["message"]


# -- what crosses the wire ---------------------------------------------------------------

def test_a_dimension_of_two_to_the_64_is_a_malformed_answer(tmp_path):
    header = b'{"$t":["float32",[0,18446744073709551616],0,0]}'
    payload = len(header).to_bytes(4, "big") + header
    document = _refused(tmp_path, WRONG + (
        "import os\n"
        f"payload = {payload!r}\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, len(payload).to_bytes(4, 'big') + payload)\n"
        "    except OSError:\n"
        "        pass\n"))
    assert _failures(document)


def test_a_source_of_control_characters_is_a_fail(tmp_path):
    document = _refused(tmp_path, WRONG + "#" + "\x01" * (11 * 2**20) + "\n")
    assert "characters" in _failures(document)[0]["message"]


def test_a_flood_of_text_is_cut_in_the_verdict(tmp_path):
    flood = ("def train_one_epoch(model, loader, optimizer, loss_fn, device):\n"
             "    return 'x' * (40 * 2**20)\n")
    file = tmp_path / "attack.py"
    file.write_text(flood)
    done, seconds = _check(file)
    assert done.returncode == 1 and seconds < 60
    assert len(done.stdout) < 200_000, len(done.stdout)
    json.loads(done.stdout)


# -- the sandbox as a whole --------------------------------------------------------------

@sandboxed
def test_the_scratch_folders_are_bounded(tmp_path):
    document = _refused(tmp_path, WRONG + (
        "import os\n"
        "total = 0\n"
        "for folder in ('/tmp', '/dev/shm', '/run', '/var/tmp'):\n"
        "    try:\n"
        "        with open(os.path.join(folder, 'fill'), 'wb') as out:\n"
        "            while total < 4 * 2**30:\n"
        "                out.write(b'x' * 2**20)\n"
        "                total += 2**20\n"
        "    except OSError:\n"
        "        pass\n"
        "print('wrote', total // 2**20, 'MiB')\n"))
    assert document["passed"] is False


def test_a_fork_bomb_is_bounded(tmp_path):
    document = _refused(tmp_path, WRONG + (
        "import os\n"
        "made = 0\n"
        f"for _ in range({8 * isolation.EXTRA_TASKS}):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        f"            os.execvp('sleep', ['sleep', '300', '{MARK}'])\n"
        "        made += 1\n"
        "    except OSError:\n"
        "        break\n"
        "raise RuntimeError(f'forked: {made}')\n"))
    message = document["checks"][0]["message"]
    # Bounded near EXTRA_TASKS: a little over it when other runners of the same user end meanwhile.
    assert int(message.split("forked: ")[1].split()[0]) < 2 * isolation.EXTRA_TASKS, message


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/etc/shadow").exists(), reason="as root only")
def test_a_root_only_file_stays_unread(tmp_path):
    document = _refused(tmp_path, WRONG + "raise RuntimeError(open('/etc/shadow').read())\n")
    assert "root:" not in json.dumps(document)


def test_the_judge_cannot_be_stopped_or_killed(tmp_path):
    if isolation.level() == isolation.PROCESS:
        pytest.skip("with process isolation the candidate is the judge's user: documented")
    _refused(tmp_path, WRONG + (
        "import os, signal\n"
        "pid = os.getpid()\n"
        "chain = []\n"
        "while pid > 1:\n"
        "    try:\n"
        "        pid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
        "    except OSError:\n"
        "        break\n"
        "    chain.append(pid)\n"
        "for pid in chain:\n"
        "    for sig in (signal.SIGSTOP, signal.SIGKILL):\n"
        "        try:\n"
        "            os.kill(pid, sig)\n"
        "        except OSError:\n"
        "            pass\n"))


# -- the reference cache -----------------------------------------------------------------

def test_a_candidate_cannot_poison_the_cache_for_the_next_file(tmp_path):
    cache = tmp_path / "cache"
    poison = WRONG + (
        "import os, pathlib\n"
        f"for path in pathlib.Path({str(cache)!r}).rglob('*.bin'):\n"
        "    try:\n"
        "        path.write_bytes(b'poison')\n"
        "    except OSError:\n"
        "        pass\n"
        f"for path in [pathlib.Path({str(cache)!r}) / 'observations']:\n"
        "    try:\n"
        "        path.mkdir(parents=True, exist_ok=True)\n"
        "        (path / 'planted.bin').write_bytes(b'poison')\n"
        "    except OSError:\n"
        "        pass\n")
    # The weakest level this machine allows: uid 65534 as root, else the user's own process.
    env = {"BUGHUNT_CACHE": str(cache), "BUGHUNT_ISOLATION": "process"}
    extra = ("--isolation", "process")
    _refused(tmp_path, poison, EPOCH, *extra, env=env)
    honest = tmp_path / "honest.py"
    honest.write_text(ALTERNATIVE.read_text())
    done, _ = _check(honest, EPOCH, *extra, env=env)
    honest.unlink()
    assert done.returncode == 0, done.stdout[-800:]


def test_a_cache_someone_else_could_write_is_not_read(tmp_path, monkeypatch):
    from bughunt.judge import reference

    monkeypatch.setenv("BUGHUNT_CACHE", str(tmp_path))
    monkeypatch.setattr(isolation, "level", lambda: isolation.NAMESPACES)
    ref = reference.Reference(EPOCH, "cpu")
    ref.path.parent.mkdir(parents=True)
    ref.path.write_bytes(wire.encode({"same_updates:forged": wire.encode(1.0)}))
    ref.path.chmod(0o666)
    assert ref.load() == {}
    ref.path.chmod(0o600)
    assert list(reference.Reference(EPOCH, "cpu").load()) == ["same_updates:forged"]


def test_the_integrity_work_costs_less_than_a_tenth_of_a_second_of_cpu():
    """The snapshot once per runner, and one comparison after the import and after each of
    a scenario's observations (48 here), in CPU time (a busy machine does not inflate it),
    in a process that has loaded what a runner loads."""
    probe = (
        "import importlib, time\n"
        "import bughunt.runner.__main__\n"
        "from bughunt import lazy_dynamo\n"
        "from bughunt.runner import integrity\n"
        "lazy_dynamo.install()\n"
        f"importlib.import_module({EPOCH.checks_module!r})\n"
        "started = time.process_time()\n"
        "snapshot = integrity.Snapshot()\n"
        "integrity.install_audit_hook(snapshot, frozenset(), [])\n"
        "assert snapshot.changed() is None  # after the import\n"
        "assert all(snapshot.changed(False) is None for _ in range(49))  # after each observation\n"
        "print(time.process_time() - started)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
    assert float(done.stdout) < 0.1


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap's PID namespace")
def test_a_daemon_does_not_outlive_its_candidate_in_a_warm_runner():
    """A course grades file after file in one warm runner: what one student's file left running
    outside its process group must be gone before the next file is loaded."""
    from bughunt.judge import grader

    reference = EPOCH.reference_path.read_text()
    daemon = ("import os, time\n"
              "if os.fork() == 0:\n"
              "    os.setsid()\n"
              "    if os.fork() == 0:\n"
              "        time.sleep(600)\n"
              "    os._exit(0)\n" + reference)
    # The next file passes only if, at its import, no process but its own ancestors and its
    # twin (the zygote's other child, importing the same file) is in sight.
    alone = ("import os\n"
             "def _parent(pid):\n"
             "    try:\n"
             "        return int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
             "    except OSError:\n"
             "        return None\n"
             "_mine = {os.getpid()}\n"
             "_pid = os.getpid()\n"
             "while _pid > 1:\n"
             "    _pid = _parent(_pid)\n"
             "    _mine.add(_pid)\n"
             "_others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in _mine | {1}\n"
             "           and _parent(int(p)) not in (os.getppid(), None)]\n"
             "assert not _others, f'left running: {_others}'\n" + reference)
    with grader.Pool({EPOCH.id}, workers=1) as pool:
        first = pool.grade(grader.Job(EPOCH.id, daemon, EPOCH.file_name))
        second = pool.grade(grader.Job(EPOCH.id, alone, EPOCH.file_name))
    assert first.passed  # the daemon changes no answer; it only stays
    assert second.passed, second.first_failure


def test_a_sleeper_holds_check_for_less_than_a_minute(sleeper):
    """The wall backstops and the file's own budget bound a sleeper (last here: it ran beside
    the tests above)."""
    done, seconds = sleeper.result()
    _assert_refused(done, seconds, sleeper.folder)
