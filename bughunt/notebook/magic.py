"""The `%%bughunt` magic: `%%bughunt submit` grades the cell's code as the active round's file.

As a line magic, `%bughunt submit|hint|reveal|progress` does what `bh.submit()`, `bh.hint()`,
… do. The magic's value is the result, so the verdict is the cell's output (and `_` in the
next cell).
"""

from __future__ import annotations

from bughunt.notebook import rounds

_LINE_COMMANDS = {"submit": rounds.submit, "hint": rounds.hint, "reveal": rounds.reveal,
                  "progress": rounds.progress}


def bughunt(line: str, cell: str | None = None):
    words = line.split()
    command = words[0] if words else ""
    if cell is not None:
        if command != "submit" or len(words) > 1:
            raise ValueError(f"%%bughunt {line.strip()!r}: the cell magic is `%%bughunt submit`")
        return rounds.submit(code=cell)
    if command not in _LINE_COMMANDS or len(words) > 1:
        raise ValueError(f"%bughunt {line.strip()!r}: choose one of: {', '.join(_LINE_COMMANDS)}")
    return _LINE_COMMANDS[command]()


def register(shell) -> None:
    shell.register_magic_function(bughunt, magic_kind="line_cell", magic_name="bughunt")
