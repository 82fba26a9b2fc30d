"""The registry is complete and every mutator carries what the game shows a learner."""

import importlib
import pkgutil
from pathlib import Path

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


TEXT = ("ID", "TITLE", "EFFECT", "LESSON", "HINT", "LOUD")


@pytest.mark.parametrize("mutator", mutators.ALL_MUTATORS, ids=lambda m: m.ID)
def test_mutator_text_is_literals_in_the_class_body(mutator):
    """`bughunt bugs` reads the text with `ast` (bughunt/bug_classes.py): a value computed,
    imported or inherited would not be there to read."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(inspect.getmodule(mutator)))
    (body,) = [node.body for node in tree.body if isinstance(node, ast.ClassDef) and node.name == mutator.__name__]
    assigned: dict[str, list[ast.expr]] = {}
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name) and target.id in TEXT:
                    assigned.setdefault(target.id, []).append(statement.value)
    for name in TEXT:
        assert len(assigned.get(name, [])) == 1, f"{mutator.__name__}.{name} is not assigned once in the class body"
        assert ast.literal_eval(assigned[name][0]) == getattr(mutator, name), f"{mutator.__name__}.{name}"


@pytest.mark.parametrize("name", MODULES)
def test_a_mutator_imports_no_other_mutator(name):
    """Shared helpers live in `_args` (or `_base`), so a mutator can be read, moved or
    removed alone."""
    import ast

    tree = ast.parse((Path(mutators.__file__).parent / f"{name}.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {m for m in imported if m.startswith("mutators")} <= {"mutators._args", "mutators._base"}
