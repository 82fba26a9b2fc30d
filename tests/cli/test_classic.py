"""`bughunt play 04 --classic N`: the classic series, served as it documents each bug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import mutators
from bughunt import catalog
from bughunt.cli.main import cli
from bughunt.learner import serving
from bughunt.variants import mutants


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def classic(number: int) -> catalog.Scenario:
    return next(s for s in serving.classics() if s.classic == number)


def test_classic_7_serves_the_documented_site(tmp_path):
    result = run("play", "04", "--classic", "7", "--workspace", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    played = json.loads(result.stdout)
    scenario = classic(7)
    assert played["scenario"] == scenario.id == "l04_bug_finding.bug_07_target_shape"
    assert played["classic"] == 7
    manifest = json.loads((Path(played["folder"]) / ".bughunt" / "manifest.json").read_text())
    assert manifest["site"] == scenario.classic_site and manifest["bug_class"] == "target-shape"
    served = Path(played["file"]).read_text()
    assert served == mutants.make(scenario, mutators.parse_site(scenario.classic_site)).source
    assert "model(inputs)  # (N,) one prediction per sample" in served  # the squeeze is gone
    assert played["symptom"] and played["symptom"] in (Path(played["folder"]) / "BRIEF.md").read_text()


@pytest.mark.parametrize("args, words", [
    (("04", "--classic", "11"), ["--classic 11", "choose from: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"]),
    (("04", "--classic", "0"), ["--classic 0", "choose from: 1,"]),
    (("level3", "--classic", "7"), ["'level3'", "choose from: 04,"]),
    (("l04_bug_finding.bug_07_target_shape", "--classic", "7"), ["'l04_bug_finding.bug_07_target_shape'", "04"]),
    (("04", "--classic", "2", "--bug", "cat-dim"), ["'cat-dim'", "--classic 2"]),
])
def test_a_bad_classic_request_is_one_line_and_exit_2(args, words, tmp_path):
    result = run("play", *args, "--workspace", tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in words), lines
    assert not (tmp_path / "variants").exists()


def test_play_04_serves_the_next_classic_not_fixed_yet(tmp_path):
    first = json.loads(run("play", "04", "--workspace", tmp_path, "--json").stdout)
    assert (first["scenario"], first["classic"]) == (classic(1).id, 1)
    Path(first["file"]).write_text(classic(1).reference_path.read_text())
    assert run("submit", "--workspace", tmp_path).exit_code == 0
    second = json.loads(run("play", "04", "--workspace", tmp_path, "--json").stdout)
    assert (second["scenario"], second["classic"]) == (classic(2).id, 2)
    manifest = json.loads((Path(second["folder"]) / ".bughunt" / "manifest.json").read_text())
    assert manifest["site"] == classic(2).classic_site


def test_the_track_puts_bugs_1_to_6_after_03_and_7_to_10_after_05():
    order = serving.track()
    ids = [s.id for s in order]
    position = {s.id: i for i, s in enumerate(order)}
    late = [s for s in order if s.classic is not None and s.classic >= 7]
    early = [s for s in order if s.classic is not None and s.classic < 7]
    assert [s.classic for s in early + late] == list(range(1, 11))
    assert sorted(ids) == sorted(s.id for s in catalog.all_scenarios())
    for scenario in order:
        level = scenario.level.number
        if level <= "03":
            assert position[scenario.id] < position[early[0].id]
        if level == "05":
            assert position[early[-1].id] < position[scenario.id] < position[late[0].id]
        if level in ("07", "08", "06", "10", "11", "12", "09"):
            assert position[late[-1].id] < position[scenario.id]


def test_next_after_03_is_classic_1_as_a_bug_without_a_challenge(monkeypatch, tmp_path):
    done = {s.id for s in catalog.all_scenarios() if s.level.number <= "03"}
    monkeypatch.setattr(serving, "solved_scenarios", lambda space: {"challenge": set(done), "bug": set(done)})
    assert serving.next_step(None) == ("bug", classic(1))
    done |= {s.id for s in serving.classics() if s.classic < 7}
    step = serving.next_step(None)
    fives = catalog.scenarios_of(catalog.level("05"))
    assert step == (("challenge", fives[0]) if fives else ("bug", classic(7)))
