"""The roster: what a usable one is, and one-line errors (exit 2) for the rest."""

import pytest
from click.testing import CliRunner

from bughunt.cli.main import cli
from bughunt.course import roster
from bughunt.errors import UsageError


def test_keeps_every_column_and_the_order():
    found = roster.parse("\ufeffid,email,sid,name\nb2,b@u.edu,2,Bob\na1,A@u.edu,1,Ann\n\n")
    assert found.ids == ("b2", "a1")
    assert found.extra_columns == ("email", "sid", "name")
    assert found.row("a1")["name"] == "Ann"
    assert found.find(email="a@U.EDU") == "a1"
    assert found.find(sid="2") == "b2"
    assert found.find(email="nobody@u.edu") is None


@pytest.mark.parametrize("text, said", [
    ("email\nx@u.edu\n", "no 'id' column"),
    ("id,email\na1,x\na1,y\n", "duplicate id 'a1'"),
    ("id,email\n", "has no students"),
    ("", "no 'id' column"),
    ("id\n../etc\n", "'../etc'"),
    ("id,email\n,x@u.edu\n", "empty 'id'"),
])
def test_bad_rosters_are_named(text, said):
    with pytest.raises(UsageError, match=said.replace(".", r"\.").replace("(", r"\(")):
        roster.parse(text)


@pytest.mark.parametrize("text", ["name\nAnn\n", "id\na\na\n", "id\n"])
def test_course_new_refuses_a_bad_roster_in_one_line(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["course", "new", "level3", "--roster", str(path), "--out",
                                      str(tmp_path / "course")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "roster" in result.output and not (tmp_path / "course").exists()


def test_course_new_refuses_a_missing_roster(tmp_path):
    result = CliRunner().invoke(cli, ["course", "new", "level3", "--roster", str(tmp_path / "nope.csv"),
                                      "--out", str(tmp_path / "course")])
    assert result.exit_code == 2 and "nope.csv" in result.output
