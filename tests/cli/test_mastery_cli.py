"""`progress --by-class` and `play --weak`, end to end. The record is seeded through the
progress API (real rounds would each cost a served variant and a graded submit); one real
`play --weak` and one real `submit` show that the commands and the API keep the same record."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from bughunt import catalog
from bughunt.cli.main import cli
from bughunt.learner import mastery
from bughunt.learner.progress import Progress
from bughunt.learner.workspace import Workspace
from bughunt.variants.manifest import Manifest

ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def seed_rounds(workspace: Path) -> Progress:
    """Three zero-grad rounds missed (a reveal, a hint, one left unsolved); every other class
    of level 03 fixed at the first submit, twice."""
    progress = Progress(Workspace(workspace).database)

    def round_(name, bug_class, *steps):
        progress.served(name, Manifest.from_json({"scenario": ONE_EPOCH.id, "kind": "bug", "bug_class": bug_class}), f"hash-{name}")
        for step in steps:
            {"fail": lambda: progress.attempt(name, False, ["same_updates"]),
             "pass": lambda: progress.attempt(name, True, []),
             "hint": lambda: progress.hint(name),
             "reveal": lambda: progress.reveal(name)}[step]()

    round_("seeded-01", "zero-grad", "fail", "reveal")
    round_("seeded-02", "zero-grad", "hint", "fail", "pass")
    round_("seeded-03", "zero-grad", "fail")
    others = [c for c in ONE_EPOCH.bug_classes if c != "zero-grad"]
    for number, bug_class in enumerate(others * 2, start=4):
        round_(f"seeded-{number:02d}", bug_class, "pass")
    return progress


def test_a_learner_who_misses_zero_grad_sees_it_and_gets_it_first(tmp_path):
    progress = seed_rounds(tmp_path)

    by_class = json.loads(run("progress", "--by-class", "--workspace", tmp_path, "--json").stdout)
    assert {"track", "records", "total_score", "by_class"} <= set(by_class)
    stats = {entry["bug_class"]: entry for entry in by_class["by_class"]}
    assert set(stats) == set(ONE_EPOCH.bug_classes)
    zero_grad = stats["zero-grad"]
    assert (zero_grad["rounds"], zero_grad["solved"], zero_grad["first_try"]) == (3, 1, 0)
    assert (zero_grad["attempts"], zero_grad["hints"], zero_grad["reveals"]) == (4, 1, 1)
    assert zero_grad["median_seconds_to_fix"] >= 0
    assert all(s["first_try_rate"] == 1.0 for c, s in stats.items() if c != "zero-grad")

    table = run("progress", "--by-class", "--workspace", tmp_path)
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if "zero-grad" in line)
    assert "0%" in row and "▓" in row and "░" in row and "█" not in row
    assert "first try" in table.stdout and "solved later" in table.stdout

    played = run("play", "03", "--weak", "--seed", "11", "--workspace", tmp_path)
    assert played.exit_code == 0, played.stderr
    assert played.stdout.splitlines()[0] == "practising zero-grad: 6 misses in your last 3 rounds of it"
    served = progress.records()[-1]
    assert served.bug_class == "zero-grad" and served.scenario == ONE_EPOCH.id

    assert run("submit", "--workspace", tmp_path).exit_code == 1  # the served bug is still there
    after = json.loads(run("progress", "--by-class", "--workspace", tmp_path, "--json").stdout)
    zero_grad = next(entry for entry in after["by_class"] if entry["bug_class"] == "zero-grad")
    assert (zero_grad["rounds"], zero_grad["attempts"], zero_grad["misses"]) == (4, 5, 8)


def test_play_weak_json_names_the_class_and_why(tmp_path, monkeypatch):
    seed_rounds(tmp_path)
    served = {}

    def serve_without_grading(space, scenarios, seed, difficulty="normal"):  # the real serving ran above
        pick = mastery.order(mastery.rounds(Progress(space.database)), ONE_EPOCH.bug_classes, seed)[0]
        served.update(scenarios=scenarios, seed=seed)
        folder = SimpleNamespace(path=tmp_path / "variants" / "x", file=tmp_path / "x.py", manifest=Manifest(ONE_EPOCH.id))
        return folder, SimpleNamespace(scenario=ONE_EPOCH, symptom="it does not learn", series=()), pick

    monkeypatch.setattr(mastery, "serve_weak", serve_without_grading)
    document = json.loads(run("play", "l03", "--weak", "--seed", "4", "--workspace", tmp_path, "--json").stdout)
    assert document["weak"] == {"bug_class": "zero-grad",
                                "why": "practising zero-grad: 6 misses in your last 3 rounds of it"}
    assert served == {"scenarios": (ONE_EPOCH,), "seed": 4}


def test_weak_with_a_chosen_class_is_a_usage_error(tmp_path):
    for extra in (("--bug", "zero-grad"), ("--classic", "9")):
        result = run("play", "03", "--weak", *extra, "--workspace", tmp_path)
        assert result.exit_code == 2
        (line,) = result.stderr.strip().splitlines()
        assert "--weak chooses the bug class itself" in line and extra[1] in line


def test_by_class_on_an_empty_workspace_and_plain_json_unchanged(tmp_path):
    workspace = tmp_path / "ws"
    empty = run("progress", "--by-class", "--workspace", workspace, "--json")
    assert empty.exit_code == 0 and json.loads(empty.stdout)["by_class"] == []
    assert "no bug rounds yet" in run("progress", "--by-class", "--workspace", workspace).stdout
    assert set(json.loads(run("progress", "--workspace", workspace, "--json").stdout)) == \
        {"track", "records", "total_score"}
    assert not workspace.exists()
