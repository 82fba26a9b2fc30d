"""A stand-in for `torch._dynamo` in processes that run eager code only.

torch imports `torch._dynamo` (about 800 modules, 1.6–2.1 s of CPU) the first time an
optimizer is built or stepped, only to ask it to leave a function alone (`disable`) or to
mark a graph break: both are no-ops in eager code. DistributedDataParallel and
`init_process_group` ask two more questions whose eager answers are fixed (which DDP
optimizer mode, and to clear a cache that is empty). The stand-in answers those itself and
hands out the real `config` module alone (checkpoint reads one flag of it), and imports the
real `torch._dynamo` the moment anything else is asked of it (`torch.compile`, …), so code
that needs the real thing still gets it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path


class _StandIn(types.ModuleType):
    @staticmethod
    def disable(fn=None, recursive=True, **kwargs):
        return fn if fn is not None else (lambda inner: inner)

    @staticmethod
    def graph_break(*args, **kwargs) -> None:
        return None

    @staticmethod
    def is_compiling() -> bool:
        return False

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "config":
            self.config = _config()
            return self.config
        return getattr(real(), name)


def _config() -> types.ModuleType:
    """The real `torch._dynamo.config`, loaded from its file without its package (tens of
    milliseconds): eager `torch.utils.checkpoint` reads a flag of it on every call. Should
    the real package be imported later, it finds this module in `sys.modules` and keeps it."""
    name = "torch._dynamo.config"
    if name not in sys.modules:
        import torch

        spec = importlib.util.spec_from_file_location(name, Path(torch.__file__).parent / "_dynamo" / "config.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


class _Answers(types.ModuleType):
    """A submodule of the stand-in: a few eager answers; anything else from the real one."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(getattr(real(), self.__name__.rsplit(".", 1)[1]), name)


def _answers(name: str, **answers) -> _Answers:
    part = _Answers(f"torch._dynamo.{name}")
    for key, value in answers.items():
        setattr(part, key, value)
    return part


def real() -> types.ModuleType:
    """The real `torch._dynamo`, loaded now if the stand-in was in its place."""
    import torch

    if isinstance(sys.modules.get("torch._dynamo"), _StandIn):
        del sys.modules["torch._dynamo"]
    real = importlib.import_module("torch._dynamo")
    torch._dynamo = real
    return real


def install() -> None:
    """Put the stand-in in place, unless the real module is already loaded."""
    import torch

    if "torch._dynamo" not in sys.modules:
        stand_in = _StandIn("torch._dynamo")
        stand_in.utils = _answers("utils", get_optimize_ddp_mode=lambda: "ddp_optimizer")
        stand_in.trace_rules = _answers("trace_rules", clear_lru_cache=lambda: None)
        sys.modules["torch._dynamo"] = stand_in
        torch._dynamo = stand_in
