"""Hypothesis's strategies as inert stand-ins, while checks are imported where nothing is drawn.

The runner only observes; the judge draws every example, and a `check` whose examples are all
in the cache draws none. Yet each checks module builds its strategies as it is imported
(`from hypothesis import strategies as st`), and importing Hypothesis takes about 0.1 s, on
the path of every `check`. So in those two places the checks are imported while `hypothesis`
and `hypothesis.strategies` are stand-ins: every attribute, call or union of one gives
another, and nothing is ever drawn. They leave `sys.modules` right after, so a candidate
that imports Hypothesis itself gets the real one, and so does a judge that must draw later
(`grader.checks_of`).
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator, Mapping

_NAMES = ("hypothesis", "hypothesis.strategies")


class Inert:
    """A strategy, a combinator or a decorator that is never used to draw."""

    def __getattr__(self, name: str) -> Inert:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs) -> Inert:
        return self

    def __or__(self, other) -> Inert:
        return self

    __ror__ = __or__

    def __repr__(self) -> str:
        return "<inert strategy>"


INERT = Inert()


def inert(strategies: Mapping[str, object]) -> bool:
    """Whether a check's `given` was built beside the stand-ins (it cannot draw)."""
    return any(isinstance(strategy, Inert) for strategy in strategies.values())


def _module(name: str) -> types.ModuleType:
    module = types.ModuleType(name, "an inert stand-in (bughunt.inert_strategies)")
    module.__getattr__ = INERT.__getattr__  # PEP 562: every name but a dunder (inspect asks for __file__)
    return module


@contextlib.contextmanager
def inert_hypothesis() -> Iterator[None]:
    """Imports in this block that ask for Hypothesis get the stand-ins (unless it is loaded)."""
    if any(name in sys.modules for name in _NAMES):
        yield
        return
    package, strategies = _module("hypothesis"), _module("hypothesis.strategies")
    package.__path__ = []
    package.strategies = strategies
    sys.modules.update({"hypothesis": package, "hypothesis.strategies": strategies})
    try:
        yield
    finally:
        for name in _NAMES:
            if sys.modules.get(name) in (package, strategies):
                del sys.modules[name]
