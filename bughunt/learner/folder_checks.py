"""The checks as pytest tests, for a learner who runs `pytest` in a variant folder.

This observes the candidate in pytest's own process, beside the reference (no isolation):
it is the learner's own file on the learner's own machine. `bughunt submit` is the
isolated, time-limited way to grade the same file, and the only one that records progress.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

import pytest

from bughunt import catalog, wire
from bughunt.judge.checking import Check, describe, run_property
from bughunt.runner.loading import load_source


def checks_for(scenario_id: str) -> tuple[Check, ...]:
    return importlib.import_module(catalog.scenario(scenario_id).checks_module).CHECKS


@cache
def _candidate(path: Path):
    return load_source(path.read_text(encoding="utf-8"), str(path), f"candidate_{path.stem}")


def run(chk: Check, scenario_id: str, file: Path) -> None:
    """One check as a pytest test: every example, candidate and reference observed here."""
    reference = importlib.import_module(catalog.scenario(scenario_id).reference_module)
    candidate = _candidate(Path(file))

    def prop(**drawn) -> None:
        copy = wire.encode(drawn)
        try:
            got = wire.decode(wire.encode(chk.observe(candidate, **wire.decode(copy))))
        except Exception as error:  # noqa: BLE001 - the candidate's failure, worded for the learner
            pytest.fail(f"{chk.symptom}\n{describe(error)}\nexample: {drawn}", pytrace=False)
        expected = wire.decode(wire.encode(chk.observe(reference, **wire.decode(copy))))
        try:
            chk.compare(got, expected, **drawn)
        except AssertionError as error:
            pytest.fail(f"{chk.symptom}\n{describe(error)}\nexample: {drawn}", pytrace=False)

    run_property(chk, prop)
