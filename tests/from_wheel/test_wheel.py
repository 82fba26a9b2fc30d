"""A wheel install is the same game: build the wheel the ordinary way, install it into a
fresh virtual environment and play every command from a folder outside the checkout.

Not part of the editable suite (`norecursedirs` in pyproject.toml): CI runs it as its own
step, after the README's test command (`.ci/run`). The fresh environment gets the
dependencies (torch, libcst, ...) from this environment's site-packages through PYTHONPATH,
so nothing is downloaded; bughunt itself comes only from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bughunt import catalog
from bughunt.guides import all_guides

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"bughunt", "camouflage", "clean_reference", "mutators", "scenarios"}
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of a copy of the checkout in which a learner followed the README: their
    `bughunt-work/` and `bughunt-generated/` folders sit beside the packages."""
    source = tmp_path_factory.mktemp("checkout") / "bughunt"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    for learner_folder in ("bughunt-work/variants/001-one_epoch-abc123", "bughunt-generated/one_epoch-abc123"):
        (source / learner_folder).mkdir(parents=True, exist_ok=True)
        (source / learner_folder / "one_epoch.py").write_text("# the learner's own file\n")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--wheel-dir", str(out), str(source)], check=True, capture_output=True)
    (built,) = out.glob("bughunt-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict[str, str]:
    """The environment of a shell whose `bughunt` is the wheel's, in a fresh venv."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BUGHUNT_", "PYTHON"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               PYTHONPATH=sysconfig.get_paths()["purelib"],  # the dependencies only: see the docstring
               BUGHUNT_CACHE=str(tmp_path_factory.mktemp("cache")), OMP_NUM_THREADS="1", COLUMNS="80")
    return env


@pytest.fixture()
def elsewhere(tmp_path) -> Path:
    """A folder outside the checkout, where a user of the wheel would stand."""
    assert not tmp_path.is_relative_to(ROOT)
    return tmp_path


def bughunt(env: dict[str, str], cwd: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(["bughunt", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == code, f"bughunt {' '.join(map(str, args))}: exit {done.returncode}\n{done.stderr}"
    return done


def test_the_wheel_holds_the_packages_and_their_data_and_never_the_learners_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == PACKAGES | {wheel.name.split("-")[0] + "-0.1.0.dist-info"}
    assert not [name for name in names if "bughunt-work" in name or "bughunt-generated" in name]
    assert "scenarios/track.toml" in names
    assert {f"bughunt/guides/{g.name}.md" for g in all_guides()} <= set(names)
    assert {str(s.metadata_path.relative_to(ROOT)) for s in catalog.all_scenarios()} <= set(names)


def test_bughunt_runs_from_the_wheel_not_the_checkout(installed, elsewhere):
    where = subprocess.run(["python", "-c", "import bughunt, scenarios, clean_reference; "
                            "print(bughunt.__file__, scenarios.__file__, clean_reference.__file__)"],
                           cwd=elsewhere, env=installed, capture_output=True, text=True, check=True).stdout
    venv = installed["VIRTUAL_ENV"]
    assert all(path.startswith(venv) for path in where.split()), where
    assert "bughunt" in bughunt(installed, elsewhere, "--help").stdout


def test_levels_bugs_and_guides_are_the_checkouts(installed, elsewhere):
    levels = json.loads(bughunt(installed, elsewhere, "levels", "--json").stdout)
    assert levels["track_order"] == list(catalog.track().order)
    scenarios = [s for level in levels["levels"] for s in level["scenarios"]]
    assert [s["id"] for s in scenarios] == [s.id for s in catalog.all_scenarios()]
    assert all(s["reference"].startswith(installed["VIRTUAL_ENV"]) and Path(s["reference"]).is_file()
               for s in scenarios)
    bugs = json.loads(bughunt(installed, elsewhere, "bugs", "--json").stdout)["bug_classes"]
    assert len(bugs) > 20 and all(b["lesson"] for b in bugs)
    listed = json.loads(bughunt(installed, elsewhere, "guide", "--json").stdout)["guides"]
    assert [g["name"] for g in listed] == [g.name for g in all_guides()] and all(g["sections"] for g in listed)
    section = json.loads(bughunt(installed, elsewhere, "guide", "pytorch-mastery#eval-mode", "--json").stdout)
    assert section["markdown"].startswith("## ")
    for command in ("levels", "bugs", "guide"):  # the tables too, at 80 columns
        assert bughunt(installed, elsewhere, command).stdout.strip()


def test_a_learners_first_rounds_from_the_wheel(installed, elsewhere):
    """play in track order, hint, submit (wrong, then right), progress, reveal, reset,
    challenge, challenges, next, watch (stdin closed: one check, then it stops), check."""
    work = elsewhere / "bughunt-work"
    played = json.loads(bughunt(installed, elsewhere, "play", "level1", "--seed", "1", "--json").stdout)
    assert played["scenario"] == catalog.track().order[0]  # level 01's first, as in the checkout
    assert (elsewhere / played["folder"]).is_relative_to(work)  # the README's default workspace, here
    assert json.loads(bughunt(installed, elsewhere, "hint", "--json").stdout)["hint"] == 1
    bughunt(installed, elsewhere, "submit", code=1)
    assert "revealed" not in bughunt(installed, elsewhere, "progress").stdout
    reference = catalog.scenario(played["scenario"]).reference_path.read_text()
    (elsewhere / played["file"]).write_text(reference)
    solved = json.loads(bughunt(installed, elsewhere, "submit", "--json").stdout)
    assert solved["solved"] and solved["score"] == 85
    assert json.loads(bughunt(installed, elsewhere, "reveal", "--json").stdout)["lesson"]
    assert "Restored" in bughunt(installed, elsewhere, "reset").stdout
    challenge = json.loads(bughunt(installed, elsewhere, "challenge", "03", "--json").stdout)
    assert challenge["scenario"] == "l03_training.one_epoch"
    rows = json.loads(bughunt(installed, elsewhere, "challenges", "--json").stdout)["challenges"]
    assert [r["scenario"] for r in rows] == list(catalog.track().order)
    watched = bughunt(installed, elsewhere, "watch", "--poll")
    assert "not-implemented" in watched.stdout and "Stopped watching." in watched.stdout
    step = json.loads(bughunt(installed, elsewhere, "next", "--json").stdout)
    assert (step["kind"], step["scenario"]) == ("challenge", catalog.track().order[0])
    records = json.loads(bughunt(installed, work / "variants", "progress", "--json").stdout)["records"]
    assert [r["scenario"] for r in records][:2] == [played["scenario"], "l03_training.one_epoch"]
    one_epoch = catalog.scenario("l03_training.one_epoch")
    checked = json.loads(bughunt(installed, elsewhere, "check", one_epoch.id, one_epoch.reference_path,
                                 "--json").stdout)
    assert checked["passed"]


def test_the_same_seed_generates_the_same_variants_as_the_checkout(installed, elsewhere):
    args = ("generate", "level3", "--count", "3", "--seed", "2026", "--json")
    from_wheel = json.loads(bughunt(installed, elsewhere, *args, "--out", elsewhere / "wheel").stdout)
    editable = subprocess.run([sys.executable, "-m", "bughunt", *args, "--out", str(elsewhere / "editable")],
                              cwd=elsewhere, capture_output=True, text=True, check=True)
    from_checkout = json.loads(editable.stdout)

    def answers(document):
        return [(v["variant"], v["scenario"], v["site"], v["sha256"]) for v in document["variants"]]

    assert len(answers(from_wheel)) == 3 and answers(from_wheel) == answers(from_checkout)


def test_analyze_runs_from_the_wheel(installed, elsewhere):
    report = json.loads(bughunt(installed, elsewhere, "analyze", "l01_data_processing.tensors", "--json").stdout)
    assert report["mutants"] and report["matrix"]
