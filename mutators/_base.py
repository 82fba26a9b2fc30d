"""What every mutator shares: sites, enumeration, and applying exactly one rewrite.

A mutator is a libcst transformer. Its `leave_*` hooks call `self.offer(...)` for every
node where its bug class could be injected. While enumerating, `offer` records a `Site`
and changes nothing; while applying, it swaps in the replacement at the one site asked for.
The `if __name__ == "__main__":` demo is never mutated: the checks do not run it.

A site is named by what survives an edit of the text around it: the qualified name of the
function (or class) it is in and its ordinal among the mutator's sites there, in source
order (`inplace:Backbone.forward:0`). A docstring or a function added above it moves its
line, not its name, so the scenario files that name sites (`[[equivalent]]`, `[classic]`)
need no change when a reference is edited elsewhere.

Mutator text (`ID`, `TITLE`, `EFFECT`, `LESSON`, `HINT`, `LOUD`) must be literals in the
class body (strings, implicitly concatenated or not, and `True`/`False`): `bughunt bugs`
reads it with `ast` from the source (`bughunt/bug_classes.py`) so that it never imports
libcst, and a test holds every mutator to that.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst import matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

MODULE_SCOPE = "<module>"  # the scope of a site outside every function and class


@dataclass(frozen=True, order=True)
class Site:
    """One place a mutator can inject its bug, named so that edits elsewhere keep its name.

    Two sites are the same when their mutator, scope and ordinal are; `line` and `column`
    say where it is in the text it was found in (0 for a site parsed from its name)."""

    mutator: str
    scope: str  # "Backbone.forward": the enclosing functions and classes, dotted
    ordinal: int  # among this mutator's sites in `scope`, in source order, from 0
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)
    note: str = field(default="", compare=False)  # what the rewrite does, for maintainers

    @property
    def id(self) -> str:
        return f"{self.mutator}:{self.scope}:{self.ordinal}"

    @property
    def function(self) -> str | None:
        """The qualified name of the function or class the site is in; None at module level."""
        return None if self.scope == MODULE_SCOPE else self.scope

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
        """`target`: the site to rewrite, as enumeration found it in this very tree (see
        `apply`); None to enumerate."""
        super().__init__()
        self.target = target
        self.found: list[_Offer] = []
        self.applied = False
        self._target_offer = -1  # which offer, in visiting order, is the target
        self._offers = 0
        self._scope: list[str] = []
        self._demo_depth = 0
        self._inserted_passes: set[int] = set()

    # The scope is kept here, around every subclass's own hooks, so that a mutator that
    # visits functions for its own reasons need not remember to keep it.
    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._scope.append(node.name.value)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, (cst.FunctionDef, cst.ClassDef)):
            self._scope.pop()
        return result

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
        if self.target is None:
            start = self.get_metadata(PositionProvider, original).start
            scope = ".".join(self._scope) or MODULE_SCOPE
            self.found.append(_Offer(scope, start.line, start.column, note))
            return updated
        # Offers before the target are made exactly as while enumerating (nothing has been
        # rewritten yet), so counting them finds the target again.
        index, self._offers = self._offers, self._offers + 1
        if index == self._target_offer and not self.applied:
            self.applied = True
            return rewrite()
        return updated

    def is_target(self, node: cst.CSTNode) -> bool:
        """Whether `node` is where the target site is: for a mutator that must prepare a
        rewrite before it reaches the site."""
        if self.target is None:
            return False
        start = self.get_metadata(PositionProvider, node).start
        return (start.line, start.column) == (self.target.line, self.target.column)

    # An emptied block gets a `pass` so that a deleted statement leaves valid Python
    # (and an `if` reduced to that `pass` is removed whole, in leave_If).
    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated_node.body:
            filler = cst.SimpleStatementLine([cst.Pass()])
            self._inserted_passes.add(id(filler))
            return updated_node.with_changes(body=[filler])
        return updated_node


@dataclass(frozen=True)
class _Offer:
    """A site as `offer` saw it, before the ordinals (which need every offer) are known."""

    scope: str
    line: int
    column: int
    note: str


# libcst trees are immutable, so the wrapper need not deep-copy the module it is given
# (`unsafe_skip_copy`): a parsed reference is enumerated and mutated many times.

@functools.lru_cache(maxsize=64)
def _wrapped(module: cst.Module) -> MetadataWrapper:
    """One wrapper per tree (by identity): it keeps the positions it resolved, so the many
    mutators and sites of one reference compute them once."""
    return MetadataWrapper(module, unsafe_skip_copy=True)


@functools.lru_cache(maxsize=512)
def _enumerate(mutator: type[Mutator], module: cst.Module) -> tuple[Site, ...]:
    """Every site of `mutator` in `module`, in the order `offer` met them (by tree identity,
    so `apply` after `sites` on one parsed reference enumerates once)."""
    transformer = mutator()
    _wrapped(module).visit(transformer)
    offers = transformer.found
    ordinals: dict[int, int] = {}
    counted: dict[str, int] = {}
    for index in sorted(range(len(offers)), key=lambda i: (offers[i].line, offers[i].column, i)):
        scope = offers[index].scope
        ordinals[index] = counted.get(scope, 0)
        counted[scope] = ordinals[index] + 1
    return tuple(Site(mutator.ID, o.scope, ordinals[i], o.line, o.column, o.note) for i, o in enumerate(offers))


def _module(source: str | cst.Module) -> cst.Module:
    return cst.parse_module(source) if isinstance(source, str) else source


def sites(mutator: type[Mutator], source: str | cst.Module) -> list[Site]:
    """Every site `mutator` can rewrite in `source`, in source order."""
    return sorted(_enumerate(mutator, _module(source)), key=lambda s: (s.line, s.column, s.scope, s.ordinal))


def locate(mutator: type[Mutator], source: str | cst.Module, site: Site | str) -> Site:
    """`site` as found in `source` (with its line and column there); SiteNotFound if absent."""
    wanted = site if isinstance(site, Site) else parse_site(site)
    for found in _enumerate(mutator, _module(source)):
        if found == wanted:
            return found
    raise SiteNotFound(f"{mutator.ID} has no site {wanted.id!r} in this source")


def apply(mutator: type[Mutator], source: str | cst.Module, site: Site | str) -> str:
    """The source with exactly one rewrite, at `site`; SiteNotFound if it is not there."""
    module = _module(source)
    wanted = site if isinstance(site, Site) else parse_site(site)
    offers = _enumerate(mutator, module)
    if wanted not in offers:
        raise SiteNotFound(f"{mutator.ID} has no site {wanted.id!r} in this source")
    index = offers.index(wanted)
    transformer = mutator(target=offers[index])
    transformer._target_offer = index
    mutated = _wrapped(module).visit(transformer)
    if not transformer.applied:
        raise SiteNotFound(f"{mutator.ID} offered site {wanted.id!r} while enumerating, not while rewriting")
    return mutated.code


def parse_site(text: str) -> Site:
    """The site named `text` (`mutator:scope:ordinal`); ValueError naming it if it is not one."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[2].isdigit() or not parts[0] or not parts[1]:
        raise ValueError(f"site {text!r} is not mutator:function:ordinal (e.g. 'inplace:Backbone.forward:0')")
    mutator_id, scope, ordinal = parts
    if scope.isdigit():
        raise ValueError(f"site {text!r} names a line and column; name it by its function and ordinal "
                         f"(e.g. 'inplace:Backbone.forward:0')")
    return Site(mutator_id, scope, int(ordinal))
