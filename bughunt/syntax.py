"""Parsing Python source into `ast` trees, one parse at a time in this process.

CPython 3.11 counts the depth of the tree it is converting per process, not per thread: two
`ast.parse` calls at once can fail with "SystemError: AST constructor recursion depth
mismatch". The judge parses on several threads (each file's API, the runners' allowances)
while Hypothesis, drawing examples on others, parses sources of its own; so every parse in
bughunt goes through `parse`, and drawing holds `LOCK` too.
"""

from __future__ import annotations

import ast
import threading

LOCK = threading.RLock()


def parse(source: str | bytes) -> ast.Module:
    with LOCK:
        return ast.parse(source)
