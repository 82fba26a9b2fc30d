"""The whole catalog, checked: metadata, references, mutants, challenge stubs.

Every reference passes its checks on two check seeds; every mutant of every bug class a
scenario lists is killed, or declared equivalent with a reason (and a declaration that is
stale fails too); every challenge stub imports, fails each check as "not implemented", and
keeps none of the reference's code. The demos run in tests/test_demos.py (a file of their
own, so the two test workers share the catalog's work).
"""

from __future__ import annotations

import ast
import re

import pytest

import mutators
from bughunt import catalog, guides
from bughunt.challenge import function_bodies, make_stub
from bughunt.judge import grader as sandbox
from bughunt.variants import analysis, mutants

SCENARIOS = catalog.all_scenarios()
IDS = [s.id for s in SCENARIOS]
CHECK_SEEDS = analysis.SEEDS


@pytest.fixture(scope="session")
def mutant_report() -> analysis.Report:
    """`bughunt analyze` over the catalog: every mutant on two check seeds, and the
    references on both."""
    return analysis.analyze(SCENARIOS)


@pytest.fixture(scope="session")
def reference_verdicts(mutant_report) -> dict[tuple[str, int], sandbox.Verdict]:
    return mutant_report.references


@pytest.fixture(scope="session")
def stub_verdicts() -> dict[str, sandbox.Verdict]:
    runs = sandbox.run_many([sandbox.Job(s.id, make_stub(s.reference_path.read_text()), s.file_name)
                             for s in SCENARIOS])
    return {SCENARIOS[i].id: verdict for i, verdict in runs}


def test_built_levels_are_the_promised_ones():
    assert {s.level.number for s in SCENARIOS} == {level.number for level in catalog.levels()}
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_metadata_is_complete(scenario):
    assert scenario.title.strip() and scenario.brief.strip()
    assert len(scenario.hints) >= 2 and all(h.strip() for h in scenario.hints)
    assert len(set(scenario.hints)) == len(scenario.hints)
    assert all(text.strip() and set(classes) <= set(scenario.bug_classes) for text, classes in scenario.class_hints)
    assert scenario.bug_classes and len(set(scenario.bug_classes)) == len(scenario.bug_classes)
    assert all(e.reason.strip() for e in scenario.equivalents)
    if scenario.guide:
        guides.lookup(scenario.guide)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_every_listed_bug_class_has_a_site(scenario):
    hosted = {site.mutator for site in mutants.sites_of(scenario)}
    assert set(scenario.bug_classes) == hosted, f"listed but no site: {set(scenario.bug_classes) - hosted}"


@pytest.mark.parametrize("seed", CHECK_SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_reference_passes_its_checks(scenario, seed, reference_verdicts):
    verdict = reference_verdicts[(scenario.id, seed)]
    assert verdict.passed, [o for o in verdict.outcomes if not o.passed]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_every_mutant_is_killed_or_declared_equivalent(scenario, mutant_report):
    rows = [r for r in mutant_report.rows if r.scenario == scenario.id]
    assert rows, "no mutants at all"
    problems = [f"{r.site} ({r.note}): {r.status} {r.message}" for r in rows if r in mutant_report.problems]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_the_served_symptom_names_what_the_bug_class_does(scenario, mutant_report):
    """A variant shows its most telling failure; for every class the scenario hosts, that
    symptom speaks of the class's effect (a device bug of devices, an eval-mode bug of the
    mode), not only of weights that differ."""
    shown = {r.bug_class: r.symptom for r in mutant_report.rows if r.scenario == scenario.id and r.symptom}
    assert set(shown) >= {c for c in scenario.bug_classes
                          if any(r.scenario == scenario.id and r.bug_class == c and r.status == "killed"
                                 for r in mutant_report.rows)}
    vague = {c: text for c, text in shown.items() if not re.search(mutators.by_id(c).EFFECT, text, re.I)}
    assert not vague, vague


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_challenge_stub_fails_as_not_implemented(scenario, stub_verdicts):
    verdict = stub_verdicts[scenario.id]
    assert verdict.outcomes and not verdict.passed
    assert {o.status for o in verdict.outcomes} == {"not-implemented"}, verdict.outcomes


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_challenge_stub_keeps_no_reference_code(scenario):
    reference = scenario.reference_path.read_text()
    stub = make_stub(reference)
    ast.parse(stub)
    assert not set(function_bodies(stub)) & set(function_bodies(reference))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_reference_module_is_short_and_documented(scenario):
    source = scenario.reference_path.read_text()
    tree = ast.parse(source)
    assert ast.get_docstring(tree), "module docstring"
    assert len(source.splitlines()) <= 160
    assert 'if __name__ == "__main__":' in source
    public = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    assert all(ast.get_docstring(n) for n in public), [n.name for n in public if not ast.get_docstring(n)]
