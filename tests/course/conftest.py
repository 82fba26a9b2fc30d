"""One class of 30, made once for the course tests that need one (making it certifies 30
variants: the expensive part)."""

import json

import pytest
from click.testing import CliRunner

from bughunt.cli.main import cli

CLASS_SIZE = 30
SECRET = 2026


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    roster = root / "roster.csv"
    roster.write_text("id,email,sid,section\n" + "".join(
        f"s{i:02d},student{i}@uni.edu,{9000 + i},{'AB'[i % 2]}\n" for i in range(CLASS_SIZE)))
    folder = root / "course"
    result = invoke("course", "new", "level3", "--roster", roster, "--out", folder, "--seed", SECRET)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="session")
def record(course_dir):
    return json.loads((course_dir / "course.json").read_text())
