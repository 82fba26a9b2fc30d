"""The command-line contract, driven in-process through click's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import mutators
from bughunt import catalog
from bughunt.cli.main import cli

DATASETS = catalog.scenario("l01_data_processing.datasets")
ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def as_json(result) -> dict:
    return json.loads(result.stdout)


def test_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("levels", "bugs", "play", "submit", "hint", "reveal", "reset", "watch", "progress",
                    "generate", "check", "challenge", "challenges", "next", "guide", "analyze"):
        assert command in result.stdout


def test_help_levels_and_bugs_do_not_import_torch():
    probe = ("import sys; from bughunt.cli.main import cli\n"
             "for args in (['--help'], ['levels', '--json'], ['bugs', '--json']):\n"
             "    try: cli.main(args, standalone_mode=False)\n"
             "    except SystemExit: pass\n"
             "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)


def test_levels_json_lists_twelve_levels_with_reference_paths():
    document = as_json(run("levels", "--json"))
    assert len(document["levels"]) == 12
    built = {entry["number"]: entry for entry in document["levels"] if entry["built"]}
    assert set(built) == {entry["number"] for entry in document["levels"]}  # every level has scenarios
    ids = [s["id"] for s in built["06"]["scenarios"]]
    assert "l06_advanced.accumulation" in ids
    assert all(Path(s["reference"]).is_file() for entry in built.values() for s in entry["scenarios"])


def test_bugs_json_lists_every_mutator():
    document = as_json(run("bugs", "--json"))
    assert [b["id"] for b in document["bug_classes"]] == [m.ID for m in mutators.ALL_MUTATORS]
    assert all(b["lesson"] and b["symptom"] in ("loud", "silent") for b in document["bug_classes"])


@pytest.mark.parametrize("args, words", [
    (("play", "level9"), "'level9'"),
    (("check", "nope", "x.py"), "'nope'"),
    (("generate", "03", "--bug", "typo"), "'typo'"),
    (("guide", "no-such-guide"), "'no-such-guide'"),
    (("challenge", "99"), "'99'"),
])
def test_bad_input_is_one_line_and_exit_2(args, words, tmp_path):
    result = run(*args, "--workspace", tmp_path) if args[0] in ("play", "challenge") else run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "choose from" in lines[0]


def test_check_a_missing_file_is_a_usage_error(tmp_path):
    result = run("check", ONE_EPOCH.id, tmp_path / "nope.py")
    assert result.exit_code == 2 and "no such file" in result.stderr


# Every reference passes its checks through the grader in tests/test_content.py; here the
# command itself, end to end, on references whose checks reach furthest: the real dynamo,
# files on disk, forked DDP ranks, float16 steps.
CHECKED_BY_COMMAND = ("l03_training.one_epoch", "l06_advanced.grad_checkpointing", "l06_advanced.path_dataset",
                      "l09_expert.distributed", "l06_advanced.mixed_precision")


@pytest.mark.parametrize("scenario", [catalog.scenario(i) for i in CHECKED_BY_COMMAND], ids=lambda s: s.id)
def test_check_json_on_a_reference_passes(scenario):
    result = run("check", scenario.id, scenario.reference_path, "--json")
    assert result.exit_code == 0
    assert as_json(result)["passed"] is True


def test_generate_writes_distinct_killed_variants_reproducibly(tmp_path):
    first = run("generate", "level3", "--count", "6", "--seed", "7", "--out", tmp_path / "a", "--json")
    second = run("generate", "level3", "--count", "6", "--seed", "7", "--out", tmp_path / "b", "--json")
    assert first.exit_code == second.exit_code == 0
    manifests = as_json(first)["variants"]
    assert len(manifests) == 6
    keys = ("variant", "scenario", "bug_class", "site", "seed", "file", "symptom")
    assert all(all(m[k] not in (None, "") for k in keys) for m in manifests)
    sources = [Path(m["file"]).read_text() for m in manifests]
    assert len(set(sources)) == 6
    assert [m["variant"] for m in manifests] == [m["variant"] for m in as_json(second)["variants"]]
    # Every variant was confirmed killed as it was made; the autograder agrees on one.
    assert run("check", manifests[0]["scenario"], manifests[0]["file"], "--json").exit_code == 1
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["variants"] == manifests


def test_generate_device_bug_is_caught_without_a_gpu(tmp_path):
    result = run("generate", "03", "--bug", "device", "--count", "1", "--seed", "3", "--out", tmp_path, "--json")
    (manifest,) = as_json(result)["variants"]
    assert manifest["bug_class"] == "device"
    assert run("check", manifest["scenario"], manifest["file"]).exit_code == 1


def test_generate_never_overwrites_an_edited_file(tmp_path):
    manifest = as_json(run("generate", "03", "--count", "1", "--seed", "1", "--out", tmp_path, "--json"))["variants"][0]
    Path(manifest["file"]).write_text("# my edits\n")
    result = run("generate", "03", "--count", "1", "--seed", "1", "--out", tmp_path)
    assert result.exit_code == 2 and "refusing to overwrite" in result.stderr
    assert Path(manifest["file"]).read_text() == "# my edits\n"


def test_play_submit_fix_and_replay(tmp_path):
    played = as_json(run("play", "level3", "--seed", "1", "--workspace", tmp_path, "--json"))
    served_file = Path(played["file"])
    assert run("submit", "--workspace", tmp_path).exit_code == 1
    reference = catalog.scenario(played["scenario"]).reference_path.read_text()
    served_file.write_text(reference)
    fixed = run("submit", "--workspace", tmp_path, "--json")
    assert fixed.exit_code == 0 and as_json(fixed)["solved"] is True
    run("play", "level3", "--seed", "1", "--workspace", tmp_path, "--json")
    assert served_file.read_text() == reference
    records = as_json(run("progress", "--workspace", tmp_path, "--json"))["records"]
    assert [r["solved"] for r in records] == [True, False]
    assert records[0]["attempts"] == 2 and records[0]["score"] == 95


def test_a_fix_written_differently_passes_and_a_half_fix_fails(tmp_path):
    played = as_json(run("play", DATASETS.id, "--bug", "labels-dtype", "--seed", "0", "--workspace", tmp_path, "--json"))
    file = Path(played["file"])
    buggy = file.read_text()
    assert "torch.float32)  # (N,)" in buggy
    file.write_text(buggy.replace("torch.as_tensor(labels, dtype=torch.float32)", "torch.as_tensor(labels, dtype=torch.int32)"))
    assert run("submit", file, "--workspace", tmp_path).exit_code == 1
    file.write_text(buggy.replace("torch.as_tensor(labels, dtype=torch.float32)", "torch.as_tensor(labels).long()"))
    assert run("submit", file, "--workspace", tmp_path).exit_code == 0


def test_hints_grow_more_specific_then_stop(tmp_path):
    run("play", ONE_EPOCH.id, "--bug", "zero-grad", "--seed", "0", "--workspace", tmp_path, "--json")
    hints = [as_json(run("hint", "--workspace", tmp_path, "--json")) for _ in range(6)]
    total = hints[0]["of"]
    assert [h["hint"] for h in hints[:total]] == list(range(1, total + 1))
    assert hints[total - 2]["text"].startswith("The bug is inside `train_one_epoch`")
    assert "line" in hints[total - 1]["text"]
    assert "reveal" in hints[-1]["text"]


def test_reveal_needs_an_attempt_and_is_recorded(tmp_path):
    run("play", ONE_EPOCH.id, "--bug", "zero-grad", "--seed", "0", "--workspace", tmp_path, "--json")
    refused = run("reveal", "--workspace", tmp_path)
    assert refused.exit_code == 2 and "submit at least one attempt" in refused.stderr
    run("submit", "--workspace", tmp_path)
    revealed = as_json(run("reveal", "--workspace", tmp_path, "--json"))
    assert "+        optimizer.zero_grad()" in revealed["answer"] and revealed["bug_class"] == "zero-grad"
    assert as_json(run("progress", "--workspace", tmp_path, "--json"))["records"][0]["revealed"] == 1


def test_reset_keeps_a_backup(tmp_path):
    played = as_json(run("play", ONE_EPOCH.id, "--seed", "0", "--workspace", tmp_path, "--json"))
    file = Path(played["file"])
    served = file.read_text()
    file.write_text("my attempt\n")
    reset = as_json(run("reset", "--workspace", tmp_path, "--json"))
    assert file.read_text() == served
    assert Path(reset["backup"]).read_text() == "my attempt\n"


def test_submit_outside_a_variant_folder_is_a_usage_error(tmp_path):
    stray = tmp_path / "stray.py"
    stray.write_text("x = 1\n")
    result = run("submit", stray, "--workspace", tmp_path)
    assert result.exit_code == 2 and "not in a bughunt variant folder" in result.stderr


def test_pytest_in_a_variant_folder_runs_the_checks(tmp_path):
    played = as_json(run("play", ONE_EPOCH.id, "--bug", "zero-grad", "--seed", "0", "--workspace", tmp_path, "--json"))
    folder = Path(played["folder"])
    failing = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                             capture_output=True, text=True, cwd=folder)
    assert failing.returncode == 1 and "same_updates" in failing.stdout
    Path(played["file"]).write_text(ONE_EPOCH.reference_path.read_text())
    passing = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                             capture_output=True, text=True, cwd=folder)
    assert passing.returncode == 0, passing.stdout


def test_challenge_stub_then_a_different_correct_implementation_passes_submit(tmp_path):
    served = as_json(run("challenge", ONE_EPOCH.id, "--workspace", tmp_path, "--json"))
    stub = run("submit", "--workspace", tmp_path, "--json")
    assert stub.exit_code == 1
    assert {c["message"] for c in as_json(stub)["checks"]} == {"not implemented yet"}
    alternative = Path(__file__).parents[1] / "alternatives" / "l03_training" / "one_epoch.py"
    Path(served["file"]).write_text(alternative.read_text())
    assert run("submit", "--workspace", tmp_path).exit_code == 0
    listing = as_json(run("challenges", "--workspace", tmp_path, "--json"))["challenges"]
    assert {c["scenario"]: c["status"] for c in listing}[ONE_EPOCH.id] == "solved"


def test_challenge_reopens_an_unsolved_stub_instead_of_replacing_it(tmp_path):
    first = as_json(run("challenge", ONE_EPOCH.id, "--workspace", tmp_path, "--json"))
    Path(first["file"]).write_text("# half done\n")
    again = as_json(run("challenge", ONE_EPOCH.id, "--workspace", tmp_path, "--json"))
    assert again["reopened"] and again["file"] == first["file"]
    assert Path(first["file"]).read_text() == "# half done\n"
    fresh = as_json(run("challenge", ONE_EPOCH.id, "--fresh", "--workspace", tmp_path, "--json"))
    assert fresh["file"] != first["file"]


def test_reveal_of_a_challenge_shows_the_reference(tmp_path):
    run("challenge", ONE_EPOCH.id, "--workspace", tmp_path, "--json")
    run("submit", "--workspace", tmp_path)
    revealed = as_json(run("reveal", "--workspace", tmp_path, "--json"))
    assert revealed["kind"] == "challenge" and revealed["answer"] == ONE_EPOCH.reference_path.read_text()


def test_next_follows_the_track_order(tmp_path):
    first = as_json(run("next", "--workspace", tmp_path, "--json"))
    track_first = catalog.scenario(catalog.track().order[0])
    assert (first["kind"], first["scenario"]) == ("challenge", track_first.id)
    Path(first["file"]).write_text(track_first.reference_path.read_text())
    assert run("submit", "--workspace", tmp_path).exit_code == 0
    second = as_json(run("next", "--workspace", tmp_path, "--json"))
    assert (second["kind"], second["scenario"]) == ("bug", track_first.id)
    track = as_json(run("progress", "--workspace", tmp_path, "--json"))["track"]
    assert track[0]["challenges_solved"] == 1


@pytest.mark.parametrize("source, words", [
    ("def broken(:\n", "SyntaxError"),
    ("def train_one_epoch(*args):\n    pass\nwhile True:\n    pass\n", "did not finish importing within"),
    ("def train_one_epoch(*args):\n    pass\nimport sys\nsys.exit(0)\n", "sys.exit(0)"),
    ("def train_one_epoch(*args):\n    pass\nimport os\nos._exit(0)\n", "os._exit"),
])
def test_check_gives_a_misbehaving_candidate_a_clear_fail(source, words, tmp_path):
    candidate = tmp_path / "candidate.py"
    candidate.write_text(source)
    result = run("check", ONE_EPOCH.id, candidate, "--json", "--timeout", "3")
    assert result.exit_code == 1
    document = as_json(result)
    assert document["passed"] is False
    assert words in document["checks"][0]["message"]


def test_inside_a_variant_folder_commands_act_on_it(tmp_path, monkeypatch):
    played = as_json(run("play", ONE_EPOCH.id, "--bug", "zero-grad", "--seed", "0", "--workspace", tmp_path, "--json"))
    monkeypatch.chdir(played["folder"])
    monkeypatch.delenv("BUGHUNT_WORKSPACE", raising=False)
    assert run("submit", "--json").exit_code == 1
    assert as_json(run("hint", "--json"))["hint"] == 1
    records = as_json(run("progress", "--workspace", tmp_path, "--json"))["records"]
    assert records[0]["attempts"] == 1 and records[0]["hints"] == 1


def test_analyze_json_has_the_kill_matrix_on_two_seeds():
    result = run("analyze", "03", "--json")
    document = as_json(result)
    assert result.exit_code == 0 and document["seeds"] == [0, 1]
    rows = document["mutants"]
    assert rows and all(r["status"] in ("killed", "duplicate", "equivalent") for r in rows)
    cells = {(c["scenario"], c["bug_class"]): c for c in document["matrix"]}
    assert sum(c["sites"] for c in cells.values()) == len(rows)
    assert cells[("l03_training.one_epoch", "zero-grad")]["killed"] >= 1
