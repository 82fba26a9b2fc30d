"""The checks as pytest tests, for a learner who runs `pytest` in a variant folder.

This runs the candidate in pytest's own process (no sandbox): `bughunt submit` is the
isolated, time-limited way to grade the same file.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

import pytest

from bughunt import catalog, loading
from bughunt.checking import Check, run_check


def checks_for(scenario_id: str) -> tuple[Check, ...]:
    return importlib.import_module(catalog.scenario(scenario_id).checks_module).CHECKS


@cache
def _candidate(path: Path):
    return loading.load_source(path.read_text(encoding="utf-8"), str(path), f"candidate_{path.stem}")


def run(chk: Check, scenario_id: str, file: Path) -> None:
    reference = importlib.import_module(catalog.scenario(scenario_id).reference_module)
    outcome = run_check(chk, _candidate(Path(file)), reference)
    if not outcome.passed:
        example = f"\nexample: {outcome.example}" if outcome.example else ""
        pytest.fail(f"{outcome.symptom}\n{outcome.message}{example}", pytrace=False)
