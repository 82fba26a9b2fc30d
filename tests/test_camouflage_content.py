"""Camouflage, checked on the whole catalog: it never changes what a reference does, and it
does change how the references read.

Every scenario's reference, disguised with a seed of its own (a different one for each
scenario, so the catalog as a whole meets many), passes its checks (graded together on warm
runners; `generate` also confirms every disguised variant it serves); every name a scenario's `[local_names]` lists is a local the rewrite can
rename; and most references come out different, their listed locals renamed.
"""

from __future__ import annotations

import re

import pytest

from bughunt import catalog
from bughunt.judge import grader
from camouflage import disguise
from camouflage.rename_locals import renamable

SCENARIOS = catalog.all_scenarios()
IDS = [s.id for s in SCENARIOS]
SEEDS = {s.id: 101 + 7 * index for index, s in enumerate(SCENARIOS)}


@pytest.fixture(scope="session")
def disguised() -> dict[tuple[str, int], str]:
    return {(s.id, SEEDS[s.id]): disguise(s.reference_path.read_text(encoding="utf-8"), SEEDS[s.id],
                                          dict(s.local_names))
            for s in SCENARIOS}


@pytest.fixture(scope="session")
def disguised_verdicts(disguised) -> dict[tuple[str, int], grader.Verdict]:
    keys = list(disguised)
    files = {s.id: s.file_name for s in SCENARIOS}
    jobs = [grader.Job(scenario_id, disguised[(scenario_id, seed)], files[scenario_id], stop_at_first_failure=True)
            for scenario_id, seed in keys]
    return {keys[index]: verdict for index, verdict in grader.run_many(jobs)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_disguised_reference_passes_its_checks(scenario, disguised_verdicts):
    verdict = disguised_verdicts[(scenario.id, SEEDS[scenario.id])]
    assert verdict.passed, [o for o in verdict.outcomes if not o.passed]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_listed_local_names_are_renamable_locals(scenario):
    listed = dict(scenario.local_names)
    assert set(listed) <= renamable(scenario.reference_path.read_text(encoding="utf-8"))
    assert all(options and all(o.isidentifier() for o in options) for options in listed.values())


def test_most_references_read_differently(disguised):
    unchanged = [s.id for s in SCENARIOS
                 if disguised[(s.id, SEEDS[s.id])] == s.reference_path.read_text(encoding="utf-8")]
    assert len(unchanged) <= len(SCENARIOS) // 5, unchanged
    named = [s for s in SCENARIOS if s.local_names]
    assert len(named) >= len(SCENARIOS) * 3 // 4
    renamed = [s.id for s in named
               if any(re.search(rf"\b{option}\b", disguised[(s.id, SEEDS[s.id])])
                      for _, options in s.local_names for option in options)]
    assert len(renamed) >= len(named) * 4 // 5, sorted({s.id for s in named} - set(renamed))
