"""Shards: every roster row in exactly one slice, whether the index counts from 1 or 0."""

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bughunt.course import batch
from bughunt.errors import UsageError


@given(st.integers(1, 60), st.integers(1, 9), st.booleans())
def test_slices_cover_the_class_once(size, count, from_zero):
    ids = tuple(f"s{i}" for i in range(size))
    indexes = range(count) if from_zero else range(1, count + 1)
    slices = [batch.sliced(ids, batch.parse_shard(f"{i}/{count}")) for i in indexes]
    assert sorted(sum(slices, ())) == sorted(ids)


@pytest.mark.parametrize("text", ["1", "a/b", "3/2", "-1/2", "1/0", "1/2/3"])
def test_bad_shards_are_named(text):
    with pytest.raises(UsageError, match="--shard"):
        batch.parse_shard(text)


def test_course_help_does_not_import_torch():
    probe = ("import sys; from bughunt.cli.main import cli\n"
             "for args in (['course', '--help'], ['course', 'grade', '--help'], ['course', 'export', '--help']):\n"
             "    try: cli.main(args, standalone_mode=False)\n"
             "    except SystemExit: pass\n"
             "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)
