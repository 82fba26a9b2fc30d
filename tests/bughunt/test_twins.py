"""A file graded on two children (a twin) gets the verdict one child gives it: the same first
failure of every check, its output once, and each check charged the CPU of its own examples."""

from __future__ import annotations

import pytest

from bughunt import catalog
from bughunt.judge import grader, runners
from bughunt.variants import mutants

EPOCH = catalog.scenario("l03_training.one_epoch")
pytestmark = pytest.mark.skipif(runners.cores() < 2, reason="a twin needs two cores")

# Wrong in ways that end a process or never return, on some examples and not others (by the
# example's own data, never by a count of calls: each child counts its own).
CRASHES = EPOCH.reference_path.read_text().replace(
    "    model.train()  # Dropout", "    if len(loader) == 3:\n        import os\n        os._exit(3)\n"
                                    "    model.train()  # Dropout")
HANGS = EPOCH.reference_path.read_text().replace(
    "    model.train()  # Dropout", "    while len(loader) == 4 and optimizer.param_groups[0]['lr'] == 0.05:\n"
                                    "        pass\n    model.train()  # Dropout")


def _shown(verdict: grader.Verdict) -> list[tuple]:
    """What a verdict says, but the CPU a time-out had left (which wait ran out varies)."""
    return [(o.name, str(o.status), o.example, o.message if o.status != "timeout" else "")
            for o in verdict.outcomes]


def _grade_all(jobs: list[grader.Job], twin: bool, timeout: float) -> list[grader.Verdict]:
    with grader.Pool({j.scenario_id for j in jobs}, workers=1) as pool:
        assert pool.twin
        pool.twin = twin
        return [pool.grade(job, timeout) for job in jobs]


def test_a_twin_finds_the_first_failure_one_child_finds():
    jobs = [grader.Job(m.scenario.id, m.source, m.scenario.file_name) for m in mutants.mutants_of(EPOCH)]
    jobs += [grader.Job(EPOCH.id, source, EPOCH.file_name) for source in (CRASHES, HANGS)]
    alone, twinned = _grade_all(jobs, False, 1.0), _grade_all(jobs, True, 1.0)
    for job, one, two in zip(jobs, alone, twinned):
        assert _shown(two) == _shown(one), job.source
    assert not any(v.passed for v in twinned)
    statuses = {str(o.status) for v in twinned[-2:] for o in v.outcomes}
    assert {"crash", "timeout"} <= statuses


def test_what_the_import_prints_is_shown_once():
    source = 'print("imported-7f3a")\n' + EPOCH.reference_path.read_text()
    verdict = grader.run(grader.Job(EPOCH.id, source, EPOCH.file_name))
    assert verdict.passed
    assert verdict.output.count("imported-7f3a") == 1


def test_each_check_is_charged_its_own_examples_not_its_twins():
    """Each child burns 0.25 s of CPU in its first seven calls: 13 of them in the first check
    (3.25 s), its examples shared by the two. A budget of 5 s holds that, and would not hold
    twice that: the CPU both children spend side by side is not the check's twice over."""
    source = EPOCH.reference_path.read_text().replace(
        "    model.train()  # Dropout",
        "    global _calls\n"
        "    _calls = globals().get('_calls', 0) + 1\n"
        "    if _calls <= 7:\n"
        "        import time\n"
        "        started = time.thread_time()\n"
        "        while time.thread_time() - started < 0.25:\n"
        "            pass\n"
        "    model.train()  # Dropout")
    verdict = grader.run(grader.Job(EPOCH.id, source, EPOCH.file_name), timeout=5.0)
    assert verdict.passed, verdict.first_failure
    assert verdict.outcomes[0].name == "same_updates"
