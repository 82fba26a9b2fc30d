"""The conventions `scenarios/__init__.py` states, held on the sources (read with `ast`, nothing
imported): helper modules' names, comparisons written once, `priority=` only where it deviates."""

import ast
from pathlib import Path

import pytest

from bughunt.judge.checking import DEFAULT_PRIORITY

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
LEVEL_SOURCES = sorted(SCENARIOS.glob("l*/*.py"))

# Helper modules named by the one concept they hold; every other helper module is `_shared.py`.
ONE_CONCEPT = {"_ranks"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def test_level_helper_modules_are_shared_or_named_by_their_concept():
    helpers = {path.relative_to(SCENARIOS).as_posix() for path in LEVEL_SOURCES
               if path.name.startswith("_") and path.name != "__init__.py"}
    assert helpers, "no level helper module found: the glob is wrong"
    odd = sorted(h for h in helpers if Path(h).stem not in ONE_CONCEPT | {"_shared"})
    assert not odd, f"helper modules neither _shared.py nor named by one concept: {odd}"


def _comparisons(path: Path):
    """Module-level functions shaped as a check's comparison: `(got, expected, ...)`."""
    for node in _tree(path).body:
        if isinstance(node, ast.FunctionDef) and [a.arg for a in node.args.args[:2]] == ["got", "expected"]:
            yield node


def test_no_comparison_is_written_twice():
    seen: dict[str, str] = {}
    twice = []
    for path in sorted(SCENARIOS.rglob("*.py")):
        for node in _comparisons(path):
            body = ast.dump(ast.Module(body=node.body, type_ignores=[]))
            where = f"{path.relative_to(SCENARIOS)}:{node.name}"
            if body in seen:
                twice.append(f"{where} repeats {seen[body]}")
            seen.setdefault(body, where)
    assert len(seen) > 20, "too few comparisons found: the reading is wrong"
    assert not twice, "a comparison written twice belongs in a shared module: " + "; ".join(twice)


@pytest.mark.parametrize("path", LEVEL_SOURCES, ids=lambda p: f"{p.parent.name}.{p.stem}")
def test_priority_is_stated_only_where_it_deviates(path):
    stated = [node.lineno for node in ast.walk(_tree(path))
              if isinstance(node, ast.keyword) and node.arg == "priority"
              and isinstance(node.value, ast.Constant) and node.value.value == DEFAULT_PRIORITY]
    assert not stated, f"{path.name} states the default priority={DEFAULT_PRIORITY} at lines {stated}"
