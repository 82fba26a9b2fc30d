"""Play bughunt in a Jupyter notebook (`pip install bughunt[notebook]`).

    %load_ext bughunt               # the %%bughunt magic, and `bh` (this module)
    bh.play("level3")               # brief, symptom and its picture; the code in the next cell
    %%bughunt submit                # the cell is your file: graded in the sandboxed runner
    bh.hint(); bh.reveal(); bh.progress(); bh.challenge("03"); bh.submit()

The same engine, workspace and progress database as the CLI; each call returns a result
whose attributes are the keys of the matching command's `--json`, shown as HTML. This
front end knows nothing of the terminal, and the CLI nothing of it.
"""

import importlib.util

_MISSING = [name for name in ("IPython", "matplotlib") if importlib.util.find_spec(name) is None]
if _MISSING:
    raise ImportError(f"bughunt's notebook front end needs {' and '.join(_MISSING)}: "
                      "pip install 'bughunt[notebook]'")

from bughunt.notebook.rounds import challenge, hint, play, progress, reveal, submit  # noqa: E402

__all__ = ["challenge", "hint", "play", "progress", "reveal", "submit"]
