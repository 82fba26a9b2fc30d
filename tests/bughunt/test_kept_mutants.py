"""Mutants kept on disk are the mutants libcst makes: the same sites, places and sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

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


@pytest.mark.skipif(isolation.level() == isolation.PROCESS, reason="nothing is kept under process isolation")
def test_normal_forms_ignore_comments_and_layout_and_are_kept(fresh_cache, monkeypatch):
    reference = SCENARIO.reference_path.read_text()
    relaid = "# the same code, laid out otherwise\n" + reference.replace("\n\n\n", "\n\n\n\n")
    mutant = mutants.mutants_of(SCENARIO)[0].source
    forms = mutants.normal_forms(SCENARIO, [reference, relaid, mutant])
    assert forms[0] == forms[1] != forms[2]
    mutants._kept_for.cache_clear()  # as a later process would start: nothing is parsed again
    monkeypatch.setattr(mutants, "_normal_form", lambda source: pytest.fail("parsed again"))
    assert mutants.normal_forms(SCENARIO, [mutant, reference]) == [forms[2], forms[0]]


def test_under_process_isolation_nothing_is_kept(fresh_cache, monkeypatch):
    monkeypatch.setattr(isolation, "level", lambda: isolation.PROCESS)  # as a user, without bubblewrap
    assert _made(SCENARIO)
    assert not (fresh_cache / "mutants").exists()


@pytest.mark.skipif(isolation.level() == isolation.PROCESS, reason="nothing is kept under process isolation")
def test_mutants_made_by_forked_makers_are_the_ones_made_here(fresh_cache):
    """A first `analyze` makes the catalog's mutants in two forked processes (in a process
    of its own: here, the test runner's threads would keep it from forking)."""
    scenarios = [catalog.scenario("l01_data_processing.tensors"), catalog.scenario("l02_models.blocks")]
    script = ("import json, sys\n"
              "from bughunt import catalog\n"
              "from bughunt.variants import analysis, mutants\n"
              "scenarios = [catalog.scenario(i) for i in sys.argv[1:]]\n"
              "with analysis._makers(scenarios) as made:\n"
              "    assert not any(mutants.kept_whole(s) for s in scenarios)\n"
              "    made()\n"
              "    assert all(mutants.kept_whole(s) for s in scenarios)\n"
              "assert mutants._parsed.cache_info().currsize == 0  # libcst ran elsewhere\n")
    subprocess.run([sys.executable, "-c", script, *(s.id for s in scenarios)], check=True, timeout=300,
                   env={**os.environ, "BUGHUNT_CACHE": str(fresh_cache)})
    assert len(list((fresh_cache / "mutants").iterdir())) == 2
    mutants._kept_for.cache_clear()
    kept = [_made(s) for s in scenarios]
    shutil.rmtree(fresh_cache / "mutants")
    mutants._kept_for.cache_clear()
    assert [_made(s) for s in scenarios] == kept
