"""Challenge readiness: the checks accept any correct solution and reject plausible wrong ones.

`tests/alternatives/<level package>/<module>.py` solves scenario `<level package>.<module>`
in a way deliberately unlike the reference (other idioms, another loop shape, another
module layout the docstrings allow); `<module>__<how>.py` are further correct ones, each
showing one way a check once demanded more than the contract; `wrong_<module>.py` beside
them is a learner's mistake that no mutator makes (`wrong_<module>__<how>.py`, more). A correct alternative that fails means a check demands more than the
stub's docstrings promise; a wrong one that passes means a check is too lenient.

A correct file must pass at every check seed (the grader's `seed`, which reseeds every
check's drawn examples), so each correct alternative runs at several; a wrong one must be
caught at the default seed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bughunt import catalog
from bughunt.judge import grader as sandbox

ROOT = Path(__file__).parent / "alternatives"
WRONG = "wrong_"
CORRECT_SEEDS = (0, 1, 2)  # check seeds every correct alternative is graded at
WRONG_SEEDS = (0,)


def _scenario_id(path: Path) -> str:
    return f"{path.parent.name}.{path.stem.removeprefix(WRONG).split('__')[0]}"


FILES = sorted(ROOT.glob("*/*.py"))
IDS = [str(p.relative_to(ROOT).with_suffix("")) for p in FILES]


def test_every_file_names_a_scenario():
    known = {s.id for s in catalog.all_scenarios()}
    assert FILES, f"no alternatives under {ROOT}"
    assert not [p for p in FILES if _scenario_id(p) not in known]


def test_every_alternative_has_a_wrong_twin():
    names = {p.relative_to(ROOT) for p in FILES}
    alone = [n for n in names if "__" not in n.name and not n.name.startswith(WRONG)
             and n.with_name(WRONG + n.name) not in names]
    assert not alone, f"alternatives without a wrong_ twin: {sorted(map(str, alone))}"


def _seeds(path: Path) -> tuple[int, ...]:
    return WRONG_SEEDS if path.name.startswith(WRONG) else CORRECT_SEEDS


@pytest.fixture(scope="session")
def verdicts() -> dict[tuple[Path, int], sandbox.Verdict]:
    """Graded one at a time, as `check` and `submit` grade a file: on two cores or more, by
    two children side by side (the twin), each check's answers compared in order."""
    runs = [(p, seed) for p in FILES for seed in _seeds(p)]
    with sandbox.Pool({_scenario_id(p) for p, _ in runs}, workers=1) as pool:
        return {(p, seed): pool.grade(sandbox.Job(_scenario_id(p), p.read_text(), str(p), seed=seed))
                for p, seed in runs}


def _failures(verdict: sandbox.Verdict) -> str:
    return "; ".join(f"{o.name}: {o.status} {o.message}"[:300] for o in verdict.outcomes if not o.passed) \
        or verdict.output[-500:]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_alternative_verdict(path, verdicts):
    for seed in _seeds(path):
        verdict = verdicts[(path, seed)]
        if path.name.startswith(WRONG):
            assert not verdict.passed, \
                f"{path.name} is wrong but passes every check of {_scenario_id(path)} at check seed {seed}"
            assert any(o.status == "fail" for o in verdict.outcomes), \
                f"{path.name} should be caught by a check, not by a crash: {_failures(verdict)}"
        else:
            assert verdict.passed, f"a correct solution fails at check seed {seed}: {_failures(verdict)}"
