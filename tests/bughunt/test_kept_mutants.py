"""Mutants kept on disk are the mutants libcst makes: the same sites, places and sources."""

from __future__ import annotations

import pytest

from bughunt import catalog
from bughunt.runner import isolation
from bughunt.variants import mutants

SCENARIO = catalog.scenario("l03_training.one_epoch")


def _made(scenario) -> list[tuple]:
    return [(m.id, m.site.line, m.site.column, m.site.note, m.source) for m in mutants.mutants_of(scenario)]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BUGHUNT_CACHE", str(tmp_path))
    mutants._kept_for.cache_clear()
    yield tmp_path
    mutants._kept_for.cache_clear()


@pytest.mark.skipif(isolation.level() == isolation.PROCESS, reason="nothing is kept under process isolation")
def test_kept_mutants_are_the_ones_libcst_makes_and_a_damaged_file_is_made_again(fresh_cache):
    made = _made(SCENARIO)
    [kept_file] = (fresh_cache / "mutants").iterdir()
    mutants._kept_for.cache_clear()  # as a later process would start
    assert _made(SCENARIO) == made
    kept_file.write_text('{"sites": [["zero-grad", "nowhere", 0, 1, 1, ""]], "sources": 3}')
    mutants._kept_for.cache_clear()
    assert _made(SCENARIO) == made


def test_under_process_isolation_nothing_is_kept(fresh_cache, monkeypatch):
    monkeypatch.setattr(isolation, "level", lambda: isolation.PROCESS)  # as a user, without bubblewrap
    assert _made(SCENARIO)
    assert not (fresh_cache / "mutants").exists()
