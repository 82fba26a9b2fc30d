"""A newcomer's first hour, in their words: what they typed, what they must see."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from bughunt import catalog
from bughunt.bug_classes import all_bug_classes
from bughunt.cli.main import cli
from bughunt.learner import serving
from bughunt.learner.progress import Progress
from bughunt.learner.workspace import Workspace
from bughunt.variants.manifest import Bug, Manifest

ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def run(*args, columns: int | None = None):
    env = {"COLUMNS": str(columns)} if columns else {}
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)


def as_json(result) -> dict:
    return json.loads(result.stdout)


def no_line_wider(text: str, width: int = 80) -> bool:
    return max(len(line) for line in text.splitlines()) <= width


# `play levle1`, `play l3`

def test_a_misspelt_level_gets_a_short_did_you_mean(tmp_path):
    result = run("play", "levle1", "--workspace", tmp_path)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "did you mean 'level1'" in line and len(line) < 200


def test_play_level1_starts_at_level_01_its_first_scenario(tmp_path):
    played = as_json(run("play", "level1", "--seed", "3", "--workspace", tmp_path, "--json"))
    assert played["scenario"] == "l01_data_processing.tensors"


def test_play_level1_serves_classic_1_after_03_and_classic_7_after_1_to_6(monkeypatch):
    """What `play level1` serves next, as the learner's fixes accumulate."""
    stage = catalog.resolve("level1")
    fixed: set[str] = set()
    monkeypatch.setattr(serving, "solved_scenarios", lambda space: {"challenge": set(), "bug": fixed})
    served = []
    monkeypatch.setattr(serving, "serve_classic", lambda space, scenario, seed: served.append(scenario))

    def play_level1():
        served.clear()
        serving.serve_bug(None, stage, 0)
        return served[0]

    monkeypatch.setattr(serving, "next_classic", lambda space, scenarios: scenarios[0])
    fixed |= {s.id for s in stage if s.level.number <= "03"}
    assert play_level1().classic == 1
    fixed |= {s.id for s in serving.classics() if s.classic <= 6}
    assert play_level1().classic == 7


# Tables for an 80-column terminal

def test_levels_in_80_columns_never_wrap_an_id():
    shown = run("levels", columns=80).stdout
    assert no_line_wider(shown)
    for scenario in catalog.all_scenarios():
        assert re.search(rf"\s{re.escape(scenario.id)}\s", shown), scenario.id


def test_bugs_in_80_columns_keep_ids_whole_and_lessons_readable():
    shown = run("bugs", columns=80).stdout
    assert no_line_wider(shown)
    for bug_class in all_bug_classes():
        assert re.search(rf"^\s*{re.escape(bug_class.id)}\s", shown, re.M), bug_class.id
        # The lesson's column is wide: its first sentence's opening words share one line.
        assert " ".join(bug_class.lesson.split()[:4]) in shown, bug_class.id


def test_guide_in_80_columns_shows_how_to_open_a_section():
    shown = run("guide", columns=80).stdout
    assert no_line_wider(shown) and "bughunt guide NAME[#SECTION]" in shown


def _round(progress: Progress, folder: str, bug_class: str, *, passed: bool = True) -> None:
    manifest = Manifest(ONE_EPOCH.id, bugs=(Bug(bug_class, f"{bug_class}:train_one_epoch:0"),))
    progress.served(folder, manifest, "")
    progress.attempt(folder, passed, [] if passed else ["same_updates"])


def test_progress_by_class_in_80_columns_cuts_no_header(tmp_path):
    progress = Progress(Workspace(tmp_path).database)
    _round(progress, "001-a", "softmax-cross-entropy")
    _round(progress, "002-b", "labels-dtype", passed=False)
    shown = run("progress", "--by-class", "--workspace", tmp_path, columns=80).stdout
    assert no_line_wider(shown) and "…" not in shown
    for header in ("bug class", "rounds", "solved", "first", "try", "tries", "hints", "re-", "veals",
                   "median", "fix", "softmax-cross-entropy"):
        assert re.search(rf"(^|\s){re.escape(header)}(\s|$)", shown, re.M), header


def test_progress_shows_a_revealed_round_at_score_0(tmp_path):
    progress = Progress(Workspace(tmp_path).database)
    _round(progress, "001-one_epoch-abc123", "zero-grad", passed=False)
    progress.reveal("001-one_epoch-abc123")
    shown = run("progress", "--workspace", tmp_path, columns=80).stdout
    (row,) = [line for line in shown.splitlines() if "001-one_epoch-abc123" in line]
    assert row.split()[-1] == "0" and "revealed" in row
    assert as_json(run("progress", "--workspace", tmp_path, "--json"))["records"][0]["score"] == 0


def test_a_reveal_after_the_fix_keeps_the_score_and_counts_no_miss(tmp_path):
    progress = Progress(Workspace(tmp_path).database)
    _round(progress, "001-one_epoch-abc123", "zero-grad")
    progress.reveal("001-one_epoch-abc123")
    record = as_json(run("progress", "--by-class", "--workspace", tmp_path, "--json"))
    assert record["records"][0]["score"] == 100 and record["by_class"][0]["misses"] == 0


# `cd bughunt-work` then `bughunt progress`

@pytest.mark.parametrize("inside", [".", "variants", "variants/001-one_epoch-abc123"])
def test_progress_from_inside_the_workspace_finds_it(tmp_path, monkeypatch, inside):
    work = tmp_path / "bughunt-work"
    space = Workspace(work)
    manifest = Manifest(ONE_EPOCH.id, bugs=(Bug("zero-grad", "zero-grad:train_one_epoch:0"),))
    space.create("one_epoch-abc123", ONE_EPOCH, "# served\n", manifest, "# brief\n")
    _round(Progress(space.database), "001-one_epoch-abc123", "zero-grad")
    monkeypatch.chdir(work / inside)
    monkeypatch.delenv("BUGHUNT_WORKSPACE", raising=False)
    shown = run("progress", columns=80).stdout
    assert "001-one_epoch-abc123" in shown and "Total score: 100" in shown


# A round with two bugs

def test_two_bug_rounds_say_two_bugs_in_the_panel_and_the_brief(tmp_path):
    shown = run("play", "03", "--bugs", "2", "--seed", "2", "--workspace", tmp_path, columns=80).stdout
    assert "· 2 bugs" in shown and "2 bugs in this round" in shown
    (brief,) = tmp_path.glob("variants/*/BRIEF.md")
    assert "Two bugs were injected" in brief.read_text() and "One bug" not in brief.read_text()


def test_two_bug_handouts_say_two_bugs(tmp_path):
    run("generate", "03", "--bugs", "2", "--count", "1", "--seed", "2", "--out", tmp_path)
    (brief,) = tmp_path.glob("*/BRIEF.md")
    assert "Two bugs were injected" in brief.read_text() and "One bug" not in brief.read_text()


# Ctrl-C during `submit`

def _children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if stat[stat.rindex(")") + 2:].split()[1] == str(pid):
                found.append(int(entry.name))
    return found


def test_the_first_ctrl_c_during_submit_says_stopping_and_exits_130_at_once(tmp_path):
    played = as_json(run("play", "l3", "--seed", "1", "--workspace", tmp_path, "--json"))
    file = Path(played["file"])
    source = file.read_text()
    body = source.index('"""', source.index('"""', source.index("def train_one_epoch")) + 3) + 3
    file.write_text(source[:body] + "\n    while True:\n        pass\n" + source[body:])  # hangs when called
    submit = subprocess.Popen([sys.executable, "-m", "bughunt", "submit", "--timeout", "120",
                               "--workspace", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.monotonic() + 120
    while not _children(submit.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    runners = _children(submit.pid)
    assert runners, "submit never started a runner"
    time.sleep(3)  # the runner is now inside the hanging check
    pressed = time.monotonic()
    submit.send_signal(signal.SIGINT)
    _, stderr = submit.communicate(timeout=30)
    took = time.monotonic() - pressed
    assert submit.returncode == 130 and "stopping" in stderr
    # One second on an idle machine; the slack is for a busy one (CI shares two cores).
    assert took < 3.0, f"exited {took:.1f} s after Ctrl-C"
    assert not [pid for pid in runners if Path(f"/proc/{pid}").exists()], "a runner outlived submit"
    assert Progress(tmp_path / "progress.sqlite").records()[0].attempts == 0  # nothing graded, nothing counted


# A hard round, hints before and after the fix, and `watch` solving it

def test_a_hard_round_names_a_loss_of_the_wrong_type_and_hints_after_the_fix_are_free(tmp_path):
    played = as_json(run("play", ONE_EPOCH.id, "--bug", "detach", "--difficulty", "hard", "--seed", "0",
                         "--workspace", tmp_path, "--json"))
    assert "not a Python float" in played["symptom"]
    first = as_json(run("hint", "--workspace", tmp_path, "--json"))
    assert first["hint"] == 1

    from bughunt.cli.watch import _Session

    folder = Workspace(tmp_path).current()
    folder.file.write_text(ONE_EPOCH.reference_path.read_text())
    session = _Session(folder.workspace, folder, timeout=20)
    screen = io.StringIO()
    session.out = Console(file=screen, width=100, color_system=None)
    try:
        session.check()
    finally:
        session.pool.close()
    watched = screen.getvalue()
    assert "Solved!" in watched and "the reference fix" in watched and "lesson: detach" in watched

    later = [as_json(run("hint", "--workspace", tmp_path, "--json")) for _ in range(first["of"])]
    assert [h["hint"] for h in later[:-1]] == list(range(2, first["of"] + 1))
    assert later[-1]["hint"] is None and "No more hints" in later[-1]["text"]
    past = run("hint", "--workspace", tmp_path, columns=80).stdout
    assert f"hint {first['of']} of {first['of']}" not in past and "no more hints" in past
    (detach,) = as_json(run("progress", "--by-class", "--workspace", tmp_path, "--json"))["by_class"]
    assert (detach["hints"], detach["misses"]) == (1, 1)  # the one hint before the fix
    assert as_json(run("progress", "--workspace", tmp_path, "--json"))["records"][0]["score"] == 90
