"""The learner's and the instructor's paths that used to break: each a real command run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from bughunt import catalog
from bughunt.cli.main import cli

ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def run(*args: str, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)


def test_ctrl_c_exits_130_and_leaves_no_runner(tmp_path):
    file = tmp_path / "slow.py"
    file.write_text("def train_one_epoch(*args):\n    while True:\n        pass\n")
    process = subprocess.Popen([sys.executable, "-m", "bughunt", "check", ONE_EPOCH.id, str(file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    time.sleep(8)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr


def test_a_coding_cookie_is_honoured(tmp_path):
    file = tmp_path / "latin.py"
    source = "# -*- coding: latin-1 -*-\n# café\n" + ONE_EPOCH.reference_path.read_text()
    file.write_bytes(source.encode("latin-1"))
    result = run("check", ONE_EPOCH.id, file, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passed"] is True


def test_a_workspace_variable_naming_a_file_is_named_in_the_error(tmp_path):
    plain_file = tmp_path / "not-a-folder"
    plain_file.write_text("")
    result = run("progress", env={"BUGHUNT_WORKSPACE": str(plain_file)})
    assert result.exit_code == 2
    assert "BUGHUNT_WORKSPACE" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_damaged_progress_record_is_moved_aside_and_the_verdict_kept(tmp_path):
    workspace = tmp_path / "ws"
    assert run("play", "03", "--seed", "1", "--workspace", workspace, "--json").exit_code == 0
    database = workspace / "progress.sqlite"
    database.write_bytes(os.urandom(4096))
    result = run("submit", "--workspace", workspace, "--json")
    assert result.exit_code == 1  # the served variant is still broken
    document = json.loads(result.stdout)
    assert document["attempts"] == 1 and document["passed"] is False
    assert list(workspace.glob("progress.sqlite.damaged-*"))
    assert "damaged" in result.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT attempts FROM variants").fetchall() == [(1,)]


def test_progress_inside_a_variant_folder_and_revealed_status(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    run("play", "03", "--seed", "2", "--workspace", workspace, "--json")
    (folder,) = (workspace / "variants").iterdir()
    run("submit", "--workspace", workspace, "--json")
    assert run("reveal", "--workspace", workspace, "--json").exit_code == 0
    monkeypatch.chdir(folder)
    document = json.loads(run("progress", "--json").stdout)
    assert [r["folder"] for r in document["records"]] == [folder.name]
    table = run("progress").stdout
    assert "revealed" in table


def test_generate_says_how_short_it_fell_and_fails_unless_allowed(tmp_path, monkeypatch):
    from bughunt.variants import generator

    monkeypatch.setattr(generator, "_DISGUISES_PER_BUG", 1)  # one text per bug: 8 bugs, 8 variants
    result = run("generate", "l03_training", "--count", "50", "--seed", "3", "--out", tmp_path / "a", "--json")
    document = json.loads(result.stdout)
    assert document["short_by"] == 50 - len(document["variants"]) > 0
    assert result.exit_code == 1
    allowed = run("generate", "l03_training", "--count", "50", "--seed", "3", "--out", tmp_path / "b",
                  "--json", "--allow-fewer")
    assert allowed.exit_code == 0


def test_generate_refuses_an_edited_handout_before_any_work(tmp_path):
    out = tmp_path / "class"
    first = json.loads(run("generate", "l03_training", "--count", "1", "--seed", "4", "--out", out, "--json").stdout)
    handed_out = Path(first["variants"][0]["file"])
    brief = (handed_out.parent / "BRIEF.md").read_text()
    assert f"bughunt check {ONE_EPOCH.id}" in brief and "bughunt submit" not in brief
    handed_out.write_text(handed_out.read_text() + "# my fix\n")
    started = time.monotonic()
    result = run("generate", "l03_training", "--count", "1", "--seed", "4", "--out", out)
    assert result.exit_code == 2 and "edited" in result.stderr
    assert time.monotonic() - started < 2  # refused up front, no variant generated
    assert handed_out.read_text().endswith("# my fix\n")


def test_pytest_in_a_variant_folder_needs_no_activated_environment(tmp_path):
    workspace = tmp_path / "ws"
    run("play", "03", "--seed", "1", "--workspace", workspace, "--json")
    (folder,) = (workspace / "variants").iterdir()
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "HOME": str(tmp_path)}
    done = subprocess.run([str(base_python), "-c", "import sys, pytest; sys.exit(pytest.main(['-q', '-p', "
                           "'no:cacheprovider']))"], cwd=folder, capture_output=True, text=True, env=env,
                          timeout=300)
    if "No module named 'pytest'" in done.stderr:
        done = subprocess.run([str(base_python), "-c", "import sys; sys.path.insert(0, %r); import pytest; "
                               "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider']))"
                               % str(Path(pytest_location()).parent)],
                              cwd=folder, capture_output=True, text=True, env=env, timeout=300)
    assert "ModuleNotFoundError" not in done.stdout + done.stderr, done.stdout[-1500:]
    assert done.returncode == 1 and "failed" in done.stdout  # the served bug fails its checks
    assert not (folder / ".hypothesis").exists()


def pytest_location() -> str:
    import pytest

    return pytest.__file__.rsplit("/", 1)[0]


def test_two_bugs_a_half_fix_is_told_one_bug_remains(tmp_path):
    import difflib

    from bughunt.variants import dressing
    from bughunt.variants.manifest import Manifest

    played = json.loads(run("play", "03", "--bugs", "2", "--difficulty", "hard", "--seed", "2",
                            "--workspace", tmp_path, "--json").stdout)
    manifest = json.loads((Path(played["folder"]) / ".bughunt" / "manifest.json").read_text())
    assert len(manifest["bugs"]) == 2 and len({b["bug_class"] for b in manifest["bugs"]}) == 2
    assert manifest["difficulty"] == "hard" and "for example" not in played["symptom"]
    file = Path(played["file"])
    served = file.read_text().splitlines(keepends=True)
    fixed = dressing.fixed_text(ONE_EPOCH, Manifest.from_json(manifest)).splitlines(keepends=True)
    blocks = [op for op in difflib.SequenceMatcher(None, fixed, served, autojunk=False).get_opcodes()
              if op[0] != "equal"]
    tag, i1, i2, j1, j2 = blocks[0]  # undo the first change only
    file.write_text("".join(served[:j1] + fixed[i1:i1 + 1] + served[j1 + (tag == "replace"):]))
    verdict = json.loads(run("submit", "--workspace", tmp_path, "--json").stdout)
    assert verdict["passed"] is False and verdict["bugs_left"] == 1
    file.write_text("".join(fixed))
    assert json.loads(run("submit", "--workspace", tmp_path, "--json").stdout)["passed"] is True


def test_generate_beyond_the_sites_gives_fresh_disguised_variants_reproducibly(tmp_path):
    first = json.loads(run("generate", "l03_training", "--count", "20", "--seed", "1", "--out", tmp_path / "a",
                           "--json").stdout)
    second = json.loads(run("generate", "l03_training", "--count", "20", "--seed", "1", "--out", tmp_path / "b",
                            "--json").stdout)
    sources = [Path(v["file"]).read_text() for v in first["variants"]]
    assert len(set(sources)) == 20 and first["short_by"] == 0
    assert first["distinct_sites"] == len({v["site"] for v in first["variants"]}) < 20  # bugs come back
    assert [v["sha256"] for v in first["variants"]] == [v["sha256"] for v in second["variants"]]
    # The same bug twice reads differently, and differs from its fixed text only at the bug.
    from bughunt.variants import dressing
    from bughunt.variants.manifest import Manifest

    by_site: dict[str, list[dict]] = {}
    for v in first["variants"]:
        by_site.setdefault(v["site"], []).append(v)
    twice = next(vs for vs in by_site.values() if len(vs) > 1)
    texts = [Path(v["file"]).read_text() for v in twice[:2]]
    assert texts[0] != texts[1]
    for v, text in zip(twice[:2], texts):
        fixed = dressing.fixed_text(ONE_EPOCH, Manifest.from_json(v))
        assert 1 <= len(dressing.changes(fixed, text)) <= 2
