"""A reference's docstrings and comments can grow without touching any scenario file.

Every reference is copied with lines added at the top of the module docstring and at the
top of every function body, and the catalog is read from the copies (the scenario files
stay as they are): every scenario keeps the same sites under the same names, each
`[classic]` site is still there and still makes the bug the series documents, and a
declared `[[equivalent]]` still finds its mutant.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

import mutators
from bughunt import catalog
from bughunt.variants import analysis, mutants

SCENARIOS = catalog.all_scenarios()
_ADDED = "An added sentence, to move every line below it."


def _grow(source: str) -> str:
    """`source` with two lines in its module docstring and a comment line at the top of
    every function body."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    at: dict[int, str] = {}  # 0-based line -> text to put before it
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0]
            indent = lines[first.lineno - 1][:first.col_offset]
            at[first.lineno - 1] = f"{indent}# {_ADDED}\n"
    docstring = tree.body[0]
    assert isinstance(docstring, ast.Expr) and docstring.lineno == 1 and docstring.end_lineno > 1
    at[1] = f"{_ADDED}\n{_ADDED}\n" + at.get(1, "")
    return "".join(at.get(index, "") + line for index, line in enumerate(lines))


@pytest.fixture
def grown(tmp_path, monkeypatch):
    """The catalog read from grown copies of the references."""
    for scenario in SCENARIOS:
        copy = tmp_path / scenario.level.package / scenario.file_name
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(_grow(scenario.reference_path.read_text(encoding="utf-8")), encoding="utf-8")
    originals = {s.id: mutants.sites_of(s) for s in SCENARIOS}
    mutants._parsed.cache_clear()
    monkeypatch.setattr(catalog.Scenario, "reference_path",
                        property(lambda s: tmp_path / s.level.package / s.file_name))
    yield originals
    mutants._parsed.cache_clear()


def test_every_site_keeps_its_name_when_lines_are_added_above_it(grown):
    for scenario in SCENARIOS:
        before = grown[scenario.id]
        after = mutants.sites_of(scenario)
        assert [s.id for s in after] == [s.id for s in before], scenario.id
        # A note may name a line ("move the stride to the convolution on line 40"): that moves.
        assert [re.sub(r"\d+", "N", s.note) for s in after] == [re.sub(r"\d+", "N", s.note) for s in before]
        assert any(a.line != b.line for a, b in zip(after, before)), "the edit moved no site"


def test_the_classics_are_still_served_as_documented(grown):
    classics = [s for s in SCENARIOS if s.classic is not None]
    assert classics
    for scenario in classics:
        site = mutators.parse_site(scenario.classic_site)
        assert site in mutants.sites_of(scenario), scenario.classic_site
        served = mutants.make(scenario, site).source
        reference = scenario.reference_path.read_text(encoding="utf-8")
        assert served != reference and _ADDED in served, scenario.id
        # The same bug as in the unedited reference: the grown text of the original mutant.
        catalog_reference = Path(catalog.__file__).parents[1] / "clean_reference" / scenario.level.package
        untouched = (catalog_reference / scenario.file_name).read_text(encoding="utf-8")
        plain = mutators.apply(mutators.by_id(site.mutator), untouched, site)
        assert _grow(plain) == served, scenario.id


def test_declared_equivalents_are_still_found(grown):
    declared = []
    for scenario in SCENARIOS:
        # The catalog's own declarations, and one on the last site of each scenario.
        last = grown[scenario.id][-1]
        extra = catalog.Equivalent(last.id, "declared by this test")
        declared.append(dataclasses.replace(scenario, equivalents=(*scenario.equivalents, extra)))
    every = [m for s in declared for m in mutants.mutants_of(s)]
    assert analysis.missing_declarations(declared, every) == []
    assert all(any(m.equivalent_reason == "declared by this test" for m in every if m.scenario == s)
               for s in declared)
