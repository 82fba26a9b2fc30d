"""The registry is complete and every mutator carries what the game shows a learner."""

import importlib
import pkgutil

import pytest

import mutators
from mutators._base import Mutator

MODULES = [m.name for m in pkgutil.iter_modules(mutators.__path__) if not m.name.startswith("_")]


def test_every_mutator_module_is_registered():
    registered = {m.__module__ for m in mutators.ALL_MUTATORS}
    for name in MODULES:
        module = importlib.import_module(f"mutators.{name}")
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, Mutator) and v is not Mutator]
        assert classes, f"mutators/{name}.py defines no mutator"
        assert module.__name__ in registered, f"mutators/{name}.py is missing from ALL_MUTATORS"


def test_ids_are_unique():
    ids = [m.ID for m in mutators.ALL_MUTATORS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("mutator", mutators.ALL_MUTATORS, ids=lambda m: m.ID)
def test_mutator_carries_its_lesson(mutator):
    assert mutator.TITLE.strip() and mutator.HINT.strip()
    assert len(mutator.LESSON) > 150
    assert isinstance(mutator.LOUD, bool)
    assert mutators.by_id(mutator.ID) is mutator


def test_the_fast_reading_for_bughunt_bugs_matches_the_classes():
    from bughunt.bug_classes import all_bug_classes

    read = [(b.id, b.title, b.lesson, b.hint, b.loud) for b in all_bug_classes()]
    imported = [(m.ID, m.TITLE, m.LESSON, m.HINT, m.LOUD) for m in mutators.ALL_MUTATORS]
    assert read == imported
