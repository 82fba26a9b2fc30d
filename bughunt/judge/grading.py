"""Grading one file: resolve the scenario, read the file, have the judge grade it."""

from __future__ import annotations

from pathlib import Path

from bughunt import catalog
from bughunt.judge import grader
from bughunt.catalog import Scenario
from bughunt.errors import UsageError


def one_scenario(name: str) -> Scenario:
    found = catalog.resolve(name)
    if len(found) != 1:
        raise UsageError(f"{name!r} names {len(found)} scenarios; pick one of: {', '.join(s.id for s in found)}")
    return found[0]


def read_candidate(file: Path) -> str:
    if not file.exists():
        raise UsageError(f"no such file: {str(file)!r}")
    if file.is_dir():
        raise UsageError(f"{str(file)!r} is a folder, not a Python file")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{str(file)!r} is not UTF-8 text ({error.reason})") from None


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
