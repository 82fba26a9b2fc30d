"""What every mutator shares: sites, enumeration, and applying exactly one rewrite.

A mutator is a libcst transformer. Its `leave_*` hooks call `self.offer(...)` for every
node where its bug class could be injected. While enumerating, `offer` records a `Site`
and changes nothing; while applying, it swaps in the replacement at the one site asked for.
The `if __name__ == "__main__":` demo is never mutated: the checks do not run it.
"""

from __future__ import annotations

import functools

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst import matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider


@dataclass(frozen=True, order=True)
class Site:
    """One place a mutator can inject its bug: stable for a given source text."""

    mutator: str
    line: int
    column: int
    note: str = field(default="", compare=False)  # what the rewrite does, for maintainers

    @property
    def id(self) -> str:
        return f"{self.mutator}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return self.id


class SiteNotFound(LookupError):
    pass


_MAIN_GUARD = m.If(test=m.Comparison(left=m.Name("__name__")))


class Mutator(cst.CSTTransformer):
    """Base class: subclasses set the class attributes and call `offer` from their hooks."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    ID: ClassVar[str]  # "labels-dtype"
    TITLE: ClassVar[str]  # a short name for the bug class
    # What a user sees when the bug bites, as a pattern (case-insensitive) the symptom of
    # every variant must match: a device bug's symptom speaks of devices, not of weights.
    EFFECT: ClassVar[str]
    LESSON: ClassVar[str]  # why the bug bites and how to spot it
    HINT: ClassVar[str]  # a nudge towards the bug class, without naming the line
    LOUD: ClassVar[bool]  # True when the usual symptom is an exception, False for wrong numbers

    def __init__(self, target: Site | None = None) -> None:
        super().__init__()
        self.target = target
        self.found: list[Site] = []
        self.applied = False
        self._demo_depth = 0
        self._inserted_passes: set[int] = set()

    def visit_If(self, node: cst.If) -> bool:
        if m.matches(node, _MAIN_GUARD):
            self._demo_depth += 1
        return True

    def leave_If(self, original_node: cst.If, updated_node: cst.If):
        if m.matches(original_node, _MAIN_GUARD):
            self._demo_depth -= 1
        # An `if` left holding only our `pass` would point straight at the deletion: it goes too.
        body = updated_node.body.body if isinstance(updated_node.body, cst.IndentedBlock) else ()
        if updated_node.orelse is None and len(body) == 1 and id(body[0]) in self._inserted_passes:
            return cst.RemoveFromParent()
        return updated_node

    def offer(self, original: cst.CSTNode, updated: cst.CSTNode,
              rewrite: Callable[[], object], note: str) -> object:
        """Record a site at `original`; return `rewrite()` if it is the target, else `updated`."""
        if self._demo_depth:
            return updated
        start = self.get_metadata(PositionProvider, original).start
        site = Site(self.ID, start.line, start.column, note)
        if self.target is None:
            self.found.append(site)
            return updated
        if site == self.target and not self.applied:
            self.applied = True
            return rewrite()
        return updated

    # An emptied block gets a `pass` so that a deleted statement leaves valid Python
    # (and an `if` reduced to that `pass` is removed whole, in leave_If).
    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated_node.body:
            filler = cst.SimpleStatementLine([cst.Pass()])
            self._inserted_passes.add(id(filler))
            return updated_node.with_changes(body=[filler])
        return updated_node


# libcst trees are immutable, so the wrapper need not deep-copy the module it is given
# (`unsafe_skip_copy`): a parsed reference is enumerated and mutated many times.



@functools.lru_cache(maxsize=64)
def _wrapped(module: cst.Module) -> MetadataWrapper:
    """One wrapper per tree (by identity): it keeps the positions it resolved, so the many
    mutators and sites of one reference compute them once."""
    return MetadataWrapper(module, unsafe_skip_copy=True)


def sites(mutator: type[Mutator], source: str | cst.Module) -> list[Site]:
    """Every site `mutator` can rewrite in `source`, in source order."""
    module = cst.parse_module(source) if isinstance(source, str) else source
    transformer = mutator()
    _wrapped(module).visit(transformer)
    return sorted(transformer.found)


def apply(mutator: type[Mutator], source: str | cst.Module, site: Site | str) -> str:
    """The source with exactly one rewrite, at `site`; SiteNotFound if it is not there."""
    module = cst.parse_module(source) if isinstance(source, str) else source
    wanted = site if isinstance(site, Site) else parse_site(site)
    transformer = mutator(target=wanted)
    mutated = _wrapped(module).visit(transformer)
    if not transformer.applied:
        raise SiteNotFound(f"{mutator.ID} has no site {wanted.id!r} in this source")
    return mutated.code


def parse_site(text: str) -> Site:
    mutator_id, line, column = text.rsplit(":", 2)
    return Site(mutator_id, int(line), int(column))
