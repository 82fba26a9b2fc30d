"""A class of 30 end to end: roster → hand-outs → an LMS export of every kind of submission
→ grades.csv with exactly the right row for each, feedback, a resumed run, shards."""

import csv
import io
import json
import shutil
import stat
import time
from collections import Counter

import pytest

from bughunt.course import fingerprint
from tests.course.conftest import CLASS_SIZE, SECRET, invoke

TIMEOUT = 8  # seconds per check: an endless loop costs a few of these


def test_the_course_folder(course_dir, record):
    students = record["students"]
    assert list(students) == [f"s{i:02d}" for i in range(CLASS_SIZE)]
    assert record["seed"] == SECRET
    assert stat.S_IMODE((course_dir / "course.json").stat().st_mode) == 0o600
    per_scenario = Counter(s["scenario"] for s in students.values())
    assert len(per_scenario) == 6 and max(per_scenario.values()) - min(per_scenario.values()) <= 1
    assert len({s["sha256"] for s in students.values()}) == CLASS_SIZE  # each disguised differently
    for sid, entry in students.items():
        folder = course_dir / "handouts" / sid
        assert (folder / entry["file_name"]).read_text() == entry["handout"]
        brief = (folder / "BRIEF.md").read_text()
        assert entry["symptom"].strip().splitlines()[0] in brief
        assert entry["fixed"] not in brief and entry["handout"] != entry["fixed"]
        assert sorted(p.name for p in folder.iterdir()) == sorted(["BRIEF.md", entry["file_name"]])


def test_same_roster_and_seed_same_course(course_dir, record, tmp_path):
    again = tmp_path / "again"
    roster = tmp_path / "roster.csv"
    roster.write_text("id,email\n" + "".join(f"s{i:02d},x{i}@u\n" for i in range(6)))
    assert invoke("course", "new", "level3", "--roster", roster, "--out", again, "--seed", 5).exit_code == 0
    first = json.loads((again / "course.json").read_text())
    shutil.rmtree(again)
    assert invoke("course", "new", "level3", "--roster", roster, "--out", again, "--seed", 5).exit_code == 0
    assert json.loads((again / "course.json").read_text()) == first


def _copy_pair(students):
    """Two students of one scenario whose hand-outs differ most (a copy between them shows)."""
    best = None
    for a, ea in students.items():
        for b, eb in students.items():
            if a < b and ea["scenario"] == eb["scenario"]:
                far = fingerprint.distance(fingerprint.lines(ea["handout"]), fingerprint.lines(eb["handout"]))
                if best is None or far > best[0]:
                    best = (far, a, b)
    assert best[0] >= fingerprint.DISTINCT
    return best[1], best[2]


HOSTILE = '''import os, signal, socket
try:
    print(open({key!r}).read())  # the answer key, if it could be read
except OSError as error:
    print("no key:", error)
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)  # the zygote that forked this child
    except OSError:
        pass
os.fork()
'''


def _export(course_dir, record, root):
    """An LMS export: every kind of submission, and the row each must get."""
    students = record["students"]
    ids = list(students)
    copier, source = _copy_pair(students)
    expected = {}
    roles = [s for s in ids if s not in (copier, source)]
    unfixed, broken, looping, empty, absent, hostile, binary = roles[:7]
    styled = roles[7:]
    root.mkdir()
    for i, sid in enumerate(styled + [source]):
        entry = students[sid]
        fixed = entry["fixed"]
        style = i % 5
        if style == 0:  # the folder an LMS makes, the file where the hand-out had it
            (root / sid).mkdir()
            (root / sid / entry["file_name"]).write_text(fixed)
        elif style == 1:  # <id>.py
            (root / f"{sid}.py").write_text(fixed)
        elif style == 2:  # <id>_*.py, commented and spaced out
            text = "# my fix, after a long night\n\n" + fixed.replace("\n\n", "\n\n\n") + "\n# end\n"
            (root / f"{sid}_{entry['file_name']}").write_text(text)
        elif style == 3:  # Windows line endings, nested a folder deeper
            (root / sid / "week3").mkdir(parents=True)
            (root / sid / "week3" / entry["file_name"]).write_bytes(fixed.replace("\n", "\r\n").encode())
        else:  # a helper of the student's own, beside the fixed code
            (root / f"{sid}.py").write_text(fixed + "\n\ndef _my_helper(x):\n    return x\n")
        expected[sid] = ("passed", "")
    (root / f"{copier}.py").write_text(students[source]["fixed"])
    expected[copier] = ("passed", source)
    (root / f"{unfixed}.py").write_text(students[unfixed]["handout"])
    expected[unfixed] = ("failed", "")
    (root / f"{broken}.py").write_text(students[broken]["fixed"].replace("import torch", "import torch as", 1))
    expected[broken] = ("failed", "")
    (root / f"{looping}.py").write_text(students[looping]["fixed"] + "\nwhile True:\n    pass\n")
    expected[looping] = ("failed", "")
    (root / empty).mkdir()
    expected[empty] = ("missing", "")
    expected[absent] = ("missing", "")
    (root / f"{hostile}.py").write_text(HOSTILE.format(key=str(course_dir / "course.json")))
    expected[hostile] = ("failed", "")
    (root / f"{binary}.py").write_bytes(b"\xff\xfe\x00\x00binary\x00")
    expected[binary] = ("error", "")
    (root / "stranger.py").write_text("print('not on the roster')\n")  # ignored
    return expected


@pytest.fixture(scope="module")
def graded(course_dir, record, tmp_path_factory):
    submissions = tmp_path_factory.mktemp("lms") / "submissions"
    expected = _export(course_dir, record, submissions)
    started = time.monotonic()
    result = invoke("course", "grade", course_dir, submissions, "--workers", 2, "--timeout", TIMEOUT, "--json")
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    print(f"\ngraded a class of {CLASS_SIZE} in {seconds:.1f} s on this machine")
    return submissions, expected, json.loads(result.stdout), seconds


def test_exactly_the_right_row_for_each(course_dir, record, graded):
    _, expected, document, _ = graded
    rows = {row["id"]: row for row in document["rows"]}
    assert list(rows) == list(record["students"])
    got = {sid: (row["status"], row["copied_from"]) for sid, row in rows.items()}
    assert got == expected
    for sid, row in rows.items():
        entry = record["students"][sid]
        assert (row["scenario"], row["bug_class"]) == (entry["scenario"], entry["bug_class"])
        assert row["max_score"] == 10.0
        assert row["score"] == (10.0 if row["status"] == "passed" else 0.0)
        if row["status"] == "passed":
            assert row["checks_passed"] == row["checks_total"] > 0
        if row["status"] == "failed":
            assert row["checks_passed"] < row["checks_total"]
        if row["status"] in ("passed", "failed"):
            assert row["isolation"] in ("namespaces", "uid", "process")


def test_the_unfixed_hand_out_fails_only_where_the_bug_is(graded, record):
    _, expected, document, _ = graded
    unfixed = next(row for row in document["rows"] if expected[row["id"]] == ("failed", "")
                   and row["checks_passed"] > 0)
    assert unfixed["checks_passed"] >= 1


def test_grades_csv_has_the_pinned_columns_then_the_roster_s(course_dir, graded):
    rows = list(csv.DictReader(io.StringIO((course_dir / "grades.csv").read_text())))
    assert list(rows[0]) == ["id", "scenario", "bug_class", "status", "score", "max_score", "checks_passed",
                             "checks_total", "seconds", "copied_from", "email", "sid", "section"]
    assert [r["id"] for r in rows] == [f"s{i:02d}" for i in range(CLASS_SIZE)]
    assert rows[3]["email"] == "student3@uni.edu" and rows[3]["section"] == "B"


def test_feedback_tells_the_symptom_never_the_answer(course_dir, record, graded):
    _, expected, _, _ = graded
    for sid, entry in record["students"].items():
        text = (course_dir / "feedback" / f"{sid}.md").read_text()
        assert expected[sid][0] in text
        assert str(SECRET) not in text
        assert entry["site"] not in text and "bug class" not in text.lower()
        fixed_only = fingerprint.lines(entry["fixed"]) - fingerprint.lines(entry["handout"])
        assert not any(line in text for line in fixed_only if len(line) > 12)
        assert "made from" not in text
    rows = {row["id"]: row for row in graded[2]["rows"]}
    unfixed = next(sid for sid, e in expected.items() if e == ("failed", "") and rows[sid]["checks_passed"])
    text = (course_dir / "feedback" / f"{unfixed}.md").read_text()
    assert "## What fails" in text and "Example: `" in text
    assert f"checks passed: {rows[unfixed]['checks_passed']} of {rows[unfixed]['checks_total']}" in text


def test_a_second_run_grades_nothing_again(course_dir, graded):
    submissions, _, document, seconds = graded
    kept = sorted((course_dir / "results").iterdir())
    started = time.monotonic()
    again = invoke("course", "grade", course_dir, submissions, "--timeout", TIMEOUT, "--json")
    assert again.exit_code == 0
    assert time.monotonic() - started < max(10.0, seconds / 3)
    assert json.loads(again.stdout)["rows"] == document["rows"]
    assert sorted((course_dir / "results").iterdir()) == kept


def test_shards_merge_into_the_same_gradebook(course_dir, graded, tmp_path):
    submissions, _, document, _ = graded
    for index in (1, 2, 3):
        result = invoke("course", "grade", course_dir, submissions, "--shard", f"{index}/3", "--timeout", TIMEOUT,
                        "--json")
        assert result.exit_code == 0
        assert len(json.loads(result.stdout)["rows"]) == CLASS_SIZE // 3
    merged = tmp_path / "merged.csv"
    assert invoke("course", "merge", course_dir, "--out", merged).exit_code == 0
    assert merged.read_text() == (course_dir / "grades.csv").read_text()


def test_bad_shards_and_folders_are_one_line_errors(course_dir, tmp_path):
    for args in (["grade", course_dir, tmp_path / "nope"], ["grade", course_dir, tmp_path, "--shard", "4/3"],
                 ["grade", tmp_path, tmp_path], ["merge", tmp_path]):
        result = invoke("course", *args)
        assert result.exit_code == 2, args
        assert len(result.output.strip().splitlines()) == 1
