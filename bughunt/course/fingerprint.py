"""Whose hand-out a file was made from. Each hand-out is disguised with its own camouflage
seed (renamed locals, respelled expressions), so the lines where two hand-outs differ are
a fingerprint: a file made from Bob's hand-out keeps Bob's lines where his and Alice's
differ, however it fixes the bug. Lines are compared as tokens (spacing and comments
aside), as multisets (order aside), so a reformatted or commented copy is still a copy.
"""

from __future__ import annotations

import io
import tokenize
from collections import Counter
from collections.abc import Mapping

# How many more of another hand-out's distinctive lines than of one's own a file must keep
# to count as made from that other hand-out: a fix touches a line or two, a copy keeps many.
MARGIN = 3
# Hand-outs of one scenario should differ in at least this many lines (counting both
# sides) for a copy between them to show; `course new` tries several disguises to get there.
DISTINCT = 8

_SKIPPED = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER)


def lines(source: str) -> Counter:
    """The code of each line as its tokens: `x=f(y)  # ...` and `x = f( y )` are one line."""
    rows: dict[int, list[str]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in _SKIPPED:
                rows.setdefault(token.start[0], []).append(token.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return Counter(" ".join(line.split()) for line in source.splitlines() if line.strip())
    return Counter(" ".join(tokens) for tokens in rows.values())


def distance(a: Counter, b: Counter) -> int:
    """Lines in one and not the other, both ways."""
    return sum(((a - b) + (b - a)).values())


def prints(handouts: Mapping[str, str]) -> dict[str, Counter]:
    """Each hand-out's lines, made once for a whole batch (tokenizing 200 hand-outs for
    every file would cost more than grading it)."""
    return {student: lines(text) for student, text in handouts.items()}


def made_from(source: str, own: str, handouts: Mapping[str, Counter]) -> list[str]:
    """The students (keys of `handouts`, their `prints`) whose hand-out `source` was made
    from when that is not `own`'s: those whose distinctive lines it keeps, by MARGIN more
    than it keeps of its own. Empty for a file made from its own hand-out, or from none."""
    if own not in handouts:
        return []
    text = lines(source)
    mine = handouts[own]
    scores: dict[str, int] = {}
    for student, theirs in handouts.items():
        if student == own or theirs == mine:
            continue
        for_them = sum((text & (theirs - mine)).values())
        if for_them < MARGIN:
            continue
        for_me = sum((text & (mine - theirs)).values())
        if for_them - for_me >= MARGIN:
            scores[student] = for_them - for_me
    if not scores:
        return []
    best = max(scores.values())
    return sorted(student for student, score in scores.items() if score == best)
