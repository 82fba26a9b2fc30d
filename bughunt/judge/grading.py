"""Grading one file: resolve the scenario, read the file, have the judge grade it."""

from __future__ import annotations

import tokenize
from pathlib import Path

from bughunt import catalog
from bughunt.catalog import Scenario
from bughunt.errors import UsageError
from bughunt.judge import grader


def one_scenario(name: str) -> Scenario:
    found = catalog.resolve(name)
    if len(found) != 1:
        raise UsageError(f"{name!r} names {len(found)} scenarios; pick one of: {', '.join(s.id for s in found)}")
    return found[0]


def read_candidate(file: Path) -> str:
    """The file's text, decoded as Python decodes a source file (a coding cookie counts)."""
    if not file.exists():
        raise UsageError(f"no such file: {str(file)!r}")
    if file.is_dir():
        raise UsageError(f"{str(file)!r} is a folder, not a Python file")
    try:
        with tokenize.open(file) as handle:
            return handle.read()
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "msg", None) or str(error)
        raise UsageError(f"{str(file)!r} is not readable as Python source ({reason})") from None
    except OSError as error:
        raise UsageError(f"cannot read {str(file)!r}: {error.strerror}") from None


def require_device(device: str) -> None:
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device 'cuda': this machine has no CUDA device; use --device cpu")


def grade_source(scenario: Scenario, source: str, filename: str, *, device: str = "cpu", seed: int = 0,
                 timeout: float = grader.DEFAULT_TIMEOUT, hidden: tuple[Path, ...] = (),
                 pool: grader.Pool | None = None) -> grader.Verdict:
    """Grade untrusted `source`: in a fresh runner, or in `pool`'s warm one (watch)."""
    require_device(device)
    job = grader.Job(scenario.id, source, filename, device=device, seed=seed)
    if pool is not None:
        return pool.grade(job, timeout)
    return grader.run(job, timeout=timeout, hidden=hidden)


def grade_file(name: str, file: Path, **options) -> tuple[Scenario, grader.Verdict]:
    scenario = one_scenario(name)
    source = read_candidate(file)
    return scenario, grade_source(scenario, source, str(file), **options)
