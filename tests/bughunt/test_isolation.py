"""The bubblewrap command line: what the runner sees, in the order bubblewrap mounts it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bughunt import catalog
from bughunt.runner import isolation


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")
def test_private_scratch_folders_come_before_the_binds_that_may_lie_below_them(tmp_path):
    command = isolation.command(["python"], hidden=[tmp_path])
    first_bind = command.index("--ro-bind")
    assert command.index("/tmp") < first_bind  # a project under /tmp stays visible
    assert command[-1] == "python"


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")
def test_the_reference_stays_out_but_a_file_it_may_import_is_shown(tmp_path):
    import clean_reference

    root = Path(clean_reference.__file__).parent.resolve()
    shown = root / "__init__.py"
    command = isolation.command(["python"], hidden=[root], shown=[shown])
    bound = [command[i + 1] for i, word in enumerate(command) if word == "--ro-bind"]
    assert str(shown) in bound
    assert not any(root.is_relative_to(path) and str(root) != path for path in bound if path != "/dev/null")


def test_check_fails_closed_without_bubblewrap_unless_told_otherwise(tmp_path):
    import os
    import subprocess
    import sys

    from bughunt import catalog

    scenario = catalog.scenario("l03_training.one_epoch")
    env = {**os.environ, "PATH": str(tmp_path)}  # no bwrap to be found
    command = [sys.executable, "-m", "bughunt", "check", scenario.id, str(scenario.reference_path), "--json"]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "bubblewrap" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_as_root_the_sandbox_drops_to_a_real_unprivileged_user():
    if not isolation.drops_uid():
        pytest.skip("only as root")
    command = isolation.command(["python"], hidden=[])
    if isolation.level() == isolation.NAMESPACES:
        assert "--unshare-user" not in command  # its uid 65534 would be root outside
    assert isolation.runner_argv()[:2] == ["--user", str(isolation.RUNNER_UID)]


@pytest.mark.skipif(os.geteuid() != 0, reason="uid isolation is root's")
def test_under_uid_a_reference_that_imports_another_is_observed(tmp_path):
    """The runner loads the reference modules it may show before it becomes uid 65534: a
    checkout in a folder that user cannot read (CI's clone in a `mktemp -d`) stays gradable."""
    scenario = catalog.scenario("l05_intermediate.loops")
    file = tmp_path / "loops.py"
    file.write_text(scenario.reference_path.read_text())
    done = subprocess.run([sys.executable, "-m", "bughunt", "check", scenario.id, str(file), "--json",
                           "--isolation", "process"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "BUGHUNT_ISOLATION": "process", "BUGHUNT_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    assert json.loads(done.stdout)["isolation"] == "uid"


def _lends_huge_pages() -> bool:
    try:
        mode = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    return ("[madvise]" in mode or "[always]" in mode) and glibc.startswith("glibc 2.") \
        and int(glibc.split(".")[1]) >= 35


@pytest.mark.skipif(not _lends_huge_pages(), reason="the kernel or glibc lends no transparent huge pages")
def test_a_runners_heap_lies_in_huge_pages_inside_the_sandbox_too():
    """Its page tables are what every fork copies and every child's exit tears down."""
    from bughunt.runner import client

    runner = client.Runner([catalog.scenario("l03_training.one_epoch").checks_module])
    try:
        runner.wait_ready()
        huge = 0
        for pid in client.tree_pids(runner.process.pid):
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                huge += sum(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages:"))
        assert huge > 16 * 1024  # kB: torch's own heap is larger than that
    finally:
        runner.close()


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")
def test_what_sys_does_not_show_is_missing_not_refused():
    """gloo looks for /sys/class/net: it must find nothing there (and carry on), never be refused."""
    from bughunt.judge import grader

    scenario = catalog.scenario("l09_expert.distributed")
    verdict = grader.run(grader.Job(scenario.id, scenario.reference_path.read_text(), scenario.file_name,
                                    checks=("cleans_up",)))
    assert verdict.passed, verdict.to_json()
