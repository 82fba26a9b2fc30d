"""The judge turns every way candidate code can misbehave into a verdict, quickly."""

import time

import pytest

from bughunt import catalog
from bughunt.judge import grader

SCENARIO = catalog.scenario("l03_training.one_epoch")
REFERENCE = SCENARIO.reference_path.read_text()
STUB = "def train_one_epoch(*args):\n    return 0.0\n"  # the API, so the file reaches a runner


def verdict_for(source, timeout=10.0):
    return grader.run(grader.Job(SCENARIO.id, source, "candidate.py"), timeout=timeout)


def test_the_reference_passes_every_check():
    verdict = verdict_for(REFERENCE)
    assert verdict.passed
    assert [o.name for o in verdict.outcomes] == [c.name for c in grader.checks_of(SCENARIO.id)]


@pytest.mark.parametrize("source, status, words", [
    ("def broken(:\n", "fail", "SyntaxError"),
    ("def train_one_epoch(*args):\n    raise ValueError('nope')\n", "fail", "nope"),
    (STUB + "import sys\nsys.exit(0)\n", "fail", "sys.exit(0)"),
    (STUB + "raise RuntimeError('boom at import')\n", "fail", "boom at import"),
    (STUB + "import os\nos._exit(0)\n", "crash", "os._exit"),
    (STUB + "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "crash", "signal"),
    (STUB + "import torch\nhuge = torch.empty(6 * 2**30, dtype=torch.uint8)\n", "fail", "allocate"),
    ("def train_one_epoch(*args):\n    import os\n    os._exit(3)\n", "crash", "os._exit"),
])
def test_misbehaving_modules_get_a_clear_verdict(source, status, words):
    verdict = verdict_for(source)
    assert not verdict.passed
    assert verdict.first_failure.status == status
    assert words in verdict.first_failure.message


def test_an_endless_loop_times_out_within_the_limit():
    started = time.monotonic()
    verdict = verdict_for(STUB + "while True:\n    pass\n", timeout=2.0)
    assert time.monotonic() - started < 120  # start-up and import have bounds of their own
    assert verdict.first_failure.status == "timeout"
    assert all(o.status == "not-run" for o in verdict.outcomes[1:])


def test_an_endless_loop_inside_a_check_names_that_check_and_every_check_gets_an_outcome():
    source = "def train_one_epoch(*args):\n    while True:\n        pass\n"
    started = time.monotonic()
    verdict = verdict_for(source, timeout=2.0)
    # a fresh runner per check, as many times as a file may have one; the rest are not run
    statuses = [o.status for o in verdict.outcomes]
    runs = grader.MAX_RESTARTS + 1
    assert len(statuses) == len(grader.checks_of(SCENARIO.id))
    assert statuses[:runs] == ["timeout"] * runs and set(statuses[runs:]) <= {"not-run", "timeout"}
    assert verdict.first_failure.name == "same_updates"
    assert "of CPU" in verdict.first_failure.message
    assert time.monotonic() - started < 60  # the file's own budget bounds it, however many checks


def test_a_stub_is_not_implemented_in_every_check():
    verdict = verdict_for("def train_one_epoch(*args):\n    raise NotImplementedError\n")
    assert {o.status for o in verdict.outcomes} == {"not-implemented"}
    assert all(o.message == "not implemented yet" for o in verdict.outcomes)


def test_what_the_candidate_prints_is_kept_aside():
    verdict = verdict_for("print('hello from the candidate')\n" + REFERENCE)
    assert verdict.passed
    assert "hello from the candidate" in verdict.output


def test_stop_at_first_failure_runs_no_further_check():
    broken = REFERENCE.replace("        optimizer.zero_grad()\n", "")
    job = grader.Job(SCENARIO.id, broken, "candidate.py", stop_at_first_failure=True)
    verdict = grader.run(job)
    assert [o.status for o in verdict.outcomes] == ["fail"]


def test_a_kill_is_confirmed_on_a_second_seed_by_the_same_runner_failed_check_first():
    broken = REFERENCE.replace("        optimizer.zero_grad()\n", "")
    checks = grader.telling_order(SCENARIO.id)
    jobs = [grader.Job(SCENARIO.id, source, "candidate.py", stop_at_first_failure=True, checks=checks,
                       confirm_seed=1) for source in (broken, REFERENCE, "def broken(:\n", STUB)]
    killed, correct, unreadable, stub = (verdict for _, verdict in sorted(grader.run_many(jobs)))
    failed = killed.first_failure
    assert killed.seed == 0 and failed is not None
    assert killed.confirmed.seed == 1 and killed.confirmed.confirmed is None
    assert killed.confirmed.outcomes[0].name == failed.name and not killed.confirmed.passed
    assert correct.passed and correct.confirmed is None  # nothing to confirm
    assert unreadable.confirmed is None  # no check ran: the file itself failed
    assert stub.first_failure is not None and not stub.confirmed.passed


def test_a_kill_that_takes_the_runner_down_is_not_confirmed_there():
    crash = "def train_one_epoch(*args):\n    import os\n    os._exit(3)\n"
    job = grader.Job(SCENARIO.id, crash, "candidate.py", stop_at_first_failure=True, confirm_seed=1)
    verdict = dict(grader.run_many([job]))[0]
    assert verdict.first_failure.status == "crash" and verdict.confirmed is None


def test_run_many_reports_every_job_by_index():
    sources = [REFERENCE, "def broken(:\n", REFERENCE]
    jobs = [grader.Job(SCENARIO.id, s, "candidate.py", stop_at_first_failure=True) for s in sources]
    results = dict(grader.run_many(jobs, workers=2))
    assert sorted(results) == [0, 1, 2]
    assert [results[i].passed for i in range(3)] == [True, False, True]


def test_a_secret_seed_moves_the_explicit_examples_seeds_within_their_range():
    chk = next(c for c in grader.checks_of(SCENARIO.id) if any("seed" in e for e in c.examples))
    assert grader.with_secret(chk, 0) is chk
    moved = grader.with_secret(chk, 123456789)
    assert [e["seed"] for e in moved.examples] != [e["seed"] for e in chk.examples]
    assert all(0 <= e["seed"] <= 2**16 for e in moved.examples)
    assert [{k: v for k, v in e.items() if k != "seed"} for e in moved.examples] == \
        [{k: v for k, v in e.items() if k != "seed"} for e in chk.examples]
    assert grader.with_secret(chk, 123456789) == moved  # the same secret, the same examples


def test_the_seed_comes_from_the_environment_and_is_recorded(tmp_path):
    import json
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bughunt", "check", SCENARIO.id, str(SCENARIO.reference_path),
                           "--json", "--isolation", "process"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "BUGHUNT_SEED": "4242"})
    document = json.loads(done.stdout)
    assert done.returncode == 0 and document["passed"], done.stdout[-800:]
    assert document["seed"] == 4242
