"""Turn candidate source text into a module, the way `import` would."""

from __future__ import annotations

import sys
import types


def load_source(source: str, filename: str, name: str) -> types.ModuleType:
    """Execute `source` as a fresh module called `name` (registered in sys.modules,
    which dataclasses and pickling look up)."""
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - that is the job
    except BaseException:
        del sys.modules[name]
        raise
    return module
