"""Camouflage: rewrites that change how a variant reads, never what it does.

Applied to a variant's source after its bug is injected, seeded, so that two variants of
one bug site do not read alike. Each rewrite is one module, listed once in `ALL_REWRITES`,
applied in that order; `disguise` is the one entry point.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import libcst as cst

from camouflage._base import Dice, Rewrite, source_of
from camouflage.rename_locals import RenameLocals
from camouflage.reorder import Reorder
from camouflage.rewrap import Rewrap
from camouflage.spelling import Spelling

ALL_REWRITES: tuple[type[Rewrite], ...] = (
    RenameLocals,
    Spelling,
    Reorder,
    Rewrap,  # last: line lengths depend on the others
)


def disguise(source: str, seed: int, names: Mapping[str, Sequence[str]] | None = None) -> str:
    """`source` with every rewrite applied where the seed says so.

    `names` maps a local variable's name to natural alternatives (a scenario's
    `local_names`); locals without an entry keep their names. The same source, seed and
    names always give the same text. Choices are keyed by the code they concern, so the
    reference and a mutant of it disguised with one seed differ only around the bug.
    """
    module = _parsed(source)
    for rewrite in ALL_REWRITES:
        module = rewrite.rewrite(module, Dice(seed, rewrite.ID), names or {})
    return source_of(module)


@functools.lru_cache(maxsize=128)
def _parsed(source: str) -> cst.Module:
    """One tree per text (libcst trees are immutable): `generate` disguises the same mutant
    with many seeds, and what a rewrite learns about a tree is cached with the tree."""
    return cst.parse_module(source)


def by_id(rewrite_id: str) -> type[Rewrite]:
    for rewrite in ALL_REWRITES:
        if rewrite_id == rewrite.ID:
            return rewrite
    raise KeyError(rewrite_id)


__all__ = ["ALL_REWRITES", "Dice", "Rewrite", "by_id", "disguise"]
