"""The autograder bundles, run as the platforms run them: unpacked into a root laid out as
Gradescope's (or PrairieLearn's), the entry point run with the root in an environment
variable, results.json held to the fields the platform documents."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from bughunt.course import autograder
from tests.course.conftest import invoke

GRADESCOPE_STATUSES = {"passed", "failed"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    from bughunt.course import bundles

    built = bundles.wheel()
    kept = tmp_path_factory.mktemp("wheel") / built.name
    shutil.copy(built, kept)
    return kept


def _no_answer(key_text, record):
    key = json.loads(key_text)
    for sid, entry in key["students"].items():
        assert "fixed" not in entry and "site" not in entry and "bug_class" not in entry
        assert record["students"][sid]["fixed"] not in key_text
    assert key["seed"] == record["seed"]


@pytest.fixture(scope="module")
def gradescope_zip(course_dir, wheel, tmp_path_factory):
    target = tmp_path_factory.mktemp("gs") / "autograder.zip"
    result = invoke("course", "export", course_dir, "--gradescope", target, "--wheel", wheel, "--timeout", 10)
    assert result.exit_code == 0, result.output
    return target


def test_gradescope_zip_holds_what_grading_needs(gradescope_zip, record):
    with zipfile.ZipFile(gradescope_zip) as bundle:
        names = set(bundle.namelist())
        assert {"setup.sh", "run_autograder", autograder.KEY} <= names
        assert any(n.startswith("dist/bughunt-") and n.endswith(".whl") for n in names)
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in bundle.infolist()}
        assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
        assert modes[autograder.KEY] == 0o600
        setup = bundle.read("setup.sh").decode()
        assert "pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu" in setup
        assert "dist/*.whl" in setup
        _no_answer(bundle.read(autograder.KEY).decode(), record)


def _gradescope_root(tmp_path, bundle, users, files):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    subprocess.run(["unzip", "-q", str(bundle), "-d", str(root / "source")], check=True)
    (root / "submission_metadata.json").write_text(json.dumps(
        {"id": 1, "created_at": "2026-01-01T00:00:00Z", "assignment": {"title": "bughunt"},
         "users": users, "previous_submissions": []}))
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    return root


def _valid_gradescope(result):
    assert isinstance(result["score"], float) and isinstance(result["output"], str)
    for test in result["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["name"], str) and test["status"] in GRADESCOPE_STATUSES
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0 == test["score"]
        assert test["visibility"] in VISIBILITIES
    return result


def test_run_autograder_grades_the_student_by_email(tmp_path, gradescope_zip, record):
    sid, entry = next(iter(record["students"].items()))
    email = f"Student{int(sid[1:])}@UNI.edu"  # case as the LMS spells it
    root = _gradescope_root(tmp_path, gradescope_zip, [{"email": email, "name": "A", "sid": None}],
                            {entry["file_name"]: entry["fixed"]})
    # No BUGHUNT_PYTHON: the script finds the Python that exported the bundle.
    env = {**{k: v for k, v in os.environ.items() if k != "BUGHUNT_PYTHON"}, "BUGHUNT_AUTOGRADER_ROOT": str(root)}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    result = _valid_gradescope(json.loads((root / "results" / "results.json").read_text()))
    assert result["score"] == record["max_score"]
    assert all(t["status"] == "passed" for t in result["tests"])
    assert sum(t["score"] for t in result["tests"]) == result["score"]
    assert result["extra_data"]["student"] == sid
    assert result["isolation"] in ("namespaces", "uid", "process")
    assert stat.S_IMODE((root / "source" / autograder.KEY).stat().st_mode) == 0o600


def test_the_unfixed_hand_out_by_sid_fails_with_its_symptom(tmp_path, gradescope_zip, record, monkeypatch):
    sid, entry = list(record["students"].items())[1]
    root = _gradescope_root(tmp_path, gradescope_zip, [{"email": "", "name": "B", "sid": str(9000 + int(sid[1:]))}],
                            {entry["file_name"]: entry["handout"]})
    monkeypatch.setenv("BUGHUNT_AUTOGRADER_ROOT", str(root))
    assert autograder.main(["gradescope"]) == 0
    result = _valid_gradescope(json.loads((root / "results" / "results.json").read_text()))
    assert result["score"] == 0.0
    failed = [t for t in result["tests"] if t["status"] == "failed"]
    assert failed and all(t["output"] for t in failed if t["name"] != autograder.ALL_PASS)
    assert entry["fixed"] not in json.dumps(result) and str(record["seed"]) not in result["output"]


def test_a_stranger_gets_a_zero_and_a_reason(tmp_path, gradescope_zip, monkeypatch):
    root = _gradescope_root(tmp_path, gradescope_zip, [{"email": "who@else.edu", "name": "X", "sid": "1"}],
                            {"x.py": "x = 1\n"})
    monkeypatch.setenv("BUGHUNT_AUTOGRADER_ROOT", str(root))
    assert autograder.main(["gradescope"]) == 0
    result = _valid_gradescope(json.loads((root / "results" / "results.json").read_text()))
    assert result["score"] == 0.0 and result["tests"] == [] and "roster" in result["output"]


@pytest.fixture(scope="module")
def prairielearn_dir(course_dir, wheel, tmp_path_factory):
    target = tmp_path_factory.mktemp("pl") / "grader"
    result = invoke("course", "export", course_dir, "--prairielearn", target, "--wheel", wheel, "--timeout", 10)
    assert result.exit_code == 0, result.output
    return target


def _prairielearn_root(tmp_path, grader, data, files):
    root = tmp_path / "grade"
    shutil.copytree(grader / "tests", root / "tests")
    (root / "student").mkdir()
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps(data))
    for name, text in files.items():
        (root / "student" / name).write_text(text)
    return root


def _valid_prairielearn(result):
    assert isinstance(result["gradable"], bool) and isinstance(result["message"], str)
    assert 0.0 <= result["score"] <= 1.0
    for test in result["tests"]:
        assert set(test) >= {"name", "points", "max_points", "message"}
        assert 0 <= test["points"] <= test["max_points"] or test["max_points"] == 0 == test["points"]
    return result


def test_prairielearn_grader_folder(prairielearn_dir, record):
    assert os.access(prairielearn_dir / "tests" / "run", os.X_OK)
    key = prairielearn_dir / "tests" / autograder.KEY
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    _no_answer(key.read_text(), record)
    assert "download.pytorch.org/whl/cpu" in (prairielearn_dir / "Dockerfile").read_text()
    assert json.loads((prairielearn_dir / "info.json").read_text())["externalGradingOptions"]["entrypoint"] \
        == "/grade/tests/run"


def test_prairielearn_run_grades_the_named_student(tmp_path, prairielearn_dir, record):
    sid, entry = list(record["students"].items())[2]
    root = _prairielearn_root(tmp_path, prairielearn_dir,
                              {"params": {}, "submitted_answers": {"student_id": sid}, "options": {}},
                              {entry["file_name"]: entry["fixed"]})
    env = {**os.environ, "BUGHUNT_GRADE_ROOT": str(root), "BUGHUNT_PYTHON": sys.executable}
    done = subprocess.run([str(root / "tests" / "run")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = _valid_prairielearn(json.loads((root / "results" / "results.json").read_text()))
    assert result["gradable"] is True and result["score"] == 1.0
    assert result["isolation"] in ("namespaces", "uid", "process")


def test_prairielearn_without_an_id_grades_by_fingerprint(tmp_path, prairielearn_dir, record, monkeypatch):
    sid, entry = list(record["students"].items())[3]
    root = _prairielearn_root(tmp_path, prairielearn_dir, {"params": {}, "submitted_answers": {}},
                              {entry["file_name"]: entry["handout"]})
    monkeypatch.setenv("BUGHUNT_GRADE_ROOT", str(root))
    assert autograder.main(["prairielearn"]) == 0
    result = _valid_prairielearn(json.loads((root / "results" / "results.json").read_text()))
    assert result["gradable"] is True and result["score"] == 0.0
    assert any(t["points"] == 0 and t["max_points"] == 1 for t in result["tests"])


def test_prairielearn_with_nothing_to_grade_is_not_gradable(tmp_path, prairielearn_dir, monkeypatch):
    root = _prairielearn_root(tmp_path, prairielearn_dir, {"submitted_answers": {"student_id": "s00"}}, {})
    monkeypatch.setenv("BUGHUNT_GRADE_ROOT", str(root))
    assert autograder.main(["prairielearn"]) == 0
    result = _valid_prairielearn(json.loads((root / "results" / "results.json").read_text()))
    assert result["gradable"] is False and result["message"]


def test_export_wants_exactly_one_platform(course_dir, tmp_path):
    for args in ([], ["--gradescope", tmp_path / "a.zip", "--prairielearn", tmp_path / "pl"],
                 ["--gradescope", tmp_path / "a.tar"]):
        result = invoke("course", "export", course_dir, *args)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_warm_makes_the_references_observations_at_the_secret_seed(tmp_path, gradescope_zip, record,
                                                                   monkeypatch, capsys):
    root = _gradescope_root(tmp_path, gradescope_zip, [], {})
    key_path = root / "source" / autograder.KEY
    key = json.loads(key_path.read_text())
    first = next(iter(key["students"]))
    key["students"] = {first: key["students"][first]}
    key_path.write_text(json.dumps(key))
    monkeypatch.setenv("BUGHUNT_AUTOGRADER_ROOT", str(root))
    assert autograder.main(["warm"]) == 0
    said = capsys.readouterr().out
    assert f"{record['students'][first]['scenario']} warmed (passes" in said


def test_the_key_is_found_wherever_the_grader_folder_was_put(tmp_path, prairielearn_dir, record, monkeypatch):
    sid, entry = list(record["students"].items())[4]
    root = tmp_path / "grade"
    shutil.copytree(prairielearn_dir, root / "serverFilesCourse" / "graders" / "level3")
    (root / "student").mkdir()
    (root / "student" / entry["file_name"]).write_text(entry["fixed"])
    monkeypatch.delenv("BUGHUNT_COURSE_KEY", raising=False)
    monkeypatch.setenv("BUGHUNT_GRADE_ROOT", str(root))
    assert autograder.main(["prairielearn"]) == 0  # no data/data.json either: the fingerprint says who
    result = _valid_prairielearn(json.loads((root / "results" / "results.json").read_text()))
    assert result["gradable"] is True and result["score"] == 1.0
