"""What every rewrite shares: keyed seeded choices, and the transformer base class.

A rewrite is a libcst transformer that changes how a file reads, never what it does. Its
choices come from `Dice`, keyed by the text they decide about rather than drawn in
sequence: camouflaging the reference and a mutant of it with one seed makes the same choice
at every site the bug did not touch, so a diff between the two still shows just the bug.
"""

from __future__ import annotations

import functools
import io
import random
import tokenize
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import ClassVar, TypeVar

import libcst as cst

T = TypeVar("T")

Names = Mapping[str, Sequence[str]]  # a local's name -> natural alternatives for it


class Dice:
    """Choices that depend on the seed, the rewrite and a key only (never on hash order)."""

    def __init__(self, seed: int, salt: str) -> None:
        self._prefix = f"{seed}:{salt}"

    def _rng(self, key: str) -> random.Random:
        return random.Random(f"{self._prefix}:{key}")  # str seeds are hashed with sha512

    def chance(self, key: str, probability: float = 0.5) -> bool:
        return self._rng(key).random() < probability

    def choice(self, key: str, options: Sequence[T]) -> T:
        return self._rng(key).choice(options)


_CODES: dict[tuple[int, str, str], tuple[cst.CSTNode, str]] = {}  # see code_of
_MAX_CODES = 200_000

# The nodes a rewrite of whole statements descends through; it never looks into the rest.
_STRUCTURE = (cst.Module, cst.BaseCompoundStatement, cst.BaseSuite, cst.Else, cst.ExceptHandler,
              cst.ExceptStarHandler, cst.Finally, cst.MatchCase)


class Rewrite(cst.CSTTransformer):
    """Base class: subclasses set ID and DESCRIPTION and decide with `self.chance(node)`."""

    ID: ClassVar[str]  # "rename-locals"
    DESCRIPTION: ClassVar[str]  # one line: what it changes
    KEEPS_LINES: ClassVar[bool] = False  # True: it only makes lines longer or shorter
    # True: it moves or re-lays whole statements and changes nothing inside a simple statement
    # or an expression, so the visit skips them (most of a tree, and most of libcst's time).
    STATEMENTS_ONLY: ClassVar[bool] = False

    def __init__(self, module: cst.Module, dice: Dice, names: Names) -> None:
        super().__init__()
        self.module = module
        self.dice = dice
        self.names = names
        self._seen: Counter[str] = Counter()

    @classmethod
    def rewrite(cls, module: cst.Module, dice: Dice, names: Names) -> cst.Module:
        """The module with this rewrite applied wherever the dice say so; continuation
        lines that lined up under an opening bracket still do."""
        new = cls.transform(module, dice, names)
        if cls.KEEPS_LINES and source_of(new) != source_of(module):
            aligned = realign(source_of(module), source_of(new))
            if aligned != source_of(new):
                new = cst.parse_module(aligned)
        return new

    @classmethod
    def transform(cls, module: cst.Module, dice: Dice, names: Names) -> cst.Module:
        return module.visit(cls(module, dice, names))

    def on_visit(self, node: cst.CSTNode) -> bool:
        descend = super().on_visit(node)
        return descend and (not self.STATEMENTS_ONLY or isinstance(node, _STRUCTURE))

    def code(self, node: cst.CSTNode) -> str:
        return code_of(self.module, node)

    def chance(self, *nodes: cst.CSTNode, probability: float = 0.5) -> bool:
        """A coin keyed by the nodes' text and how often that text came up before."""
        text = "\x00".join(self.code(n).strip() for n in nodes)
        self._seen[text] += 1
        return self.dice.chance(f"{text}\x00{self._seen[text]}", probability)


def code_of(module: cst.Module, node: cst.CSTNode) -> str:
    """The node's text, generated once: libcst trees share every subtree a rewrite left
    alone, so the rewrites of one text, and the disguises of one mutant with many seeds,
    ask for the same nodes again (a fifth of `generate`'s camouflage went to generating
    their text anew)."""
    key = (id(node), module.default_newline, module.default_indent)
    known = _CODES.get(key)
    if known is not None and known[0] is node:  # the node is held, so its id is its own
        return known[1]
    if len(_CODES) >= _MAX_CODES:
        _CODES.clear()
    text = module.code_for_node(node)
    _CODES[key] = (node, text)
    return text


@functools.lru_cache(maxsize=256)  # by identity: each tree's text is generated once
def source_of(module: cst.Module) -> str:
    """`module.code`, from its statements' texts (`code_of`): a top-level statement's text
    is the same wherever it stands, and most of them are shared with the tree before."""
    if not module.has_trailing_newline:
        return module.code  # its last newline is taken off token by token: libcst's way
    text = "".join(code_of(module, node) for node in (*module.header, *module.body, *module.footer))
    return text or module.default_newline


def integer_literal(node: cst.BaseExpression) -> bool:
    """`3` or `-1`: an index whose meaning needs no evaluation."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer) and not node.lpar


def realign(before: str, after: str) -> str:
    """`after` (the lines of `before`, some longer or shorter) with every continuation line
    that was aligned one column right of an open bracket in `before` aligned with it again."""
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    old, new = _brackets(before), _brackets(after)
    if len(old_lines) != len(new_lines) or old is None or new is None:
        return after
    shifts = [0] * (len(new_lines) + 1)
    for row in range(1, len(new_lines) + 1):
        if row not in old or row not in new:
            continue
        (old_row, old_col), (new_row, new_col) = old[row], new[row]
        text = old_lines[row - 1]
        if old_row == new_row and len(text) - len(text.lstrip(" ")) == old_col + 1:
            line = new_lines[row - 1].lstrip(" ")
            column = new_col + shifts[new_row] + 1
            shifts[row] = column - (len(new_lines[row - 1]) - len(line))
            new_lines[row - 1] = " " * column + line
    return "".join(new_lines)


def _brackets(source: str) -> dict[int, tuple[int, int]] | None:
    """For each line that starts inside brackets (and not inside a string, nor with a
    closing bracket): where the innermost open bracket is, as (row, column)."""
    found: dict[int, tuple[int, int]] = {}
    stack: list[tuple[int, int]] = []
    last_row = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            row = token.start[0]
            if (row > last_row and stack and token.type not in (tokenize.NL, tokenize.NEWLINE)
                    and not (token.type == tokenize.OP and token.string in ")]}") and token.start[1] > 0):
                found[row] = stack[-1]
            last_row = max(last_row, token.end[0])
            if token.type == tokenize.OP and token.string in "([{":
                stack.append(token.start)
            elif token.type == tokenize.OP and token.string in ")]}":
                stack.pop()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return found
