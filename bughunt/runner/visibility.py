"""What a runner may see of this machine's bughunt files: never the reference it is judged
against, the judge's cache or the learner's workspace; only the earlier-level reference
files the judged references themselves import (later levels plug in earlier ones).

The sandbox (`isolation.command`) mounts by these lists; the judge computes them once per
pool of runners.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from bughunt import catalog, syntax


def cache_dir() -> Path:
    """The judge's cache: reference observations, Hypothesis's few files."""
    if os.environ.get("BUGHUNT_CACHE"):
        return Path(os.environ["BUGHUNT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bughunt"


def hidden_paths(extra: Iterable[Path] = ()) -> list[Path]:
    """What the runner must not see: the reference, the cache, the learner's workspace."""
    paths = [catalog.package_folder(catalog.REFERENCE_PACKAGE), cache_dir()]
    if os.environ.get("BUGHUNT_WORKSPACE"):
        paths.append(Path(os.environ["BUGHUNT_WORKSPACE"]))
    return paths + list(extra)


def allowed_references(scenario_ids: Iterable[str]) -> list[Path]:
    """The reference files a candidate may import: what the judged references import from
    earlier levels, never the judged modules themselves, plus the package `__init__` files on
    the way."""
    root = catalog.package_folder(catalog.REFERENCE_PACKAGE)
    judged = {catalog.scenario(s).reference_path.resolve() for s in scenario_ids}
    allowed: set[Path] = set()
    todo = list(judged)
    while todo:
        current = todo.pop()
        package = [catalog.REFERENCE_PACKAGE, *current.parent.relative_to(root).parts]
        for name in _imported_modules(current.read_text(encoding="utf-8"), tuple(package)):
            if not name.startswith(f"{catalog.REFERENCE_PACKAGE}."):
                continue
            parts = name.split(".")[1:]
            for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
                candidate = candidate.resolve()
                if candidate.is_file() and candidate not in allowed and candidate not in judged:
                    allowed.add(candidate)
                    todo.append(candidate)
    packages = {root / "__init__.py"} | {p.parent / "__init__.py" for p in allowed}
    return sorted(allowed | {p.resolve() for p in packages if p.is_file()})


def shown_for(scenario_ids: Iterable[str]) -> list[Path]:
    """Each scenario's own allowance, together (a runner for several scenarios grades our
    own mutants, so one scenario's judged module may be another's import)."""
    return sorted({path for s in set(scenario_ids) for path in allowed_references([s])})


def shown_modules(shown: Iterable[Path]) -> list[str]:
    """The module names of the shown reference files, for a runner that loads them before it
    drops its privileges (`uid` isolation, where a checkout in a folder the runner's user
    cannot read would leave them unimportable)."""
    root = catalog.package_folder(catalog.REFERENCE_PACKAGE).resolve()
    names = []
    for path in shown:
        parts = list(Path(path).resolve().relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join([catalog.REFERENCE_PACKAGE, *parts]))
    return sorted(set(names))


@cache
def _imported_modules(source: str, package: tuple[str, ...]) -> tuple[str, ...]:
    """Every module an import in `source` may load, relative imports resolved, `from a import b`
    counted as both `a` and `a.b`. Kept by text: every pool of runners asks again."""
    names = []
    for node in ast.walk(syntax.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return tuple(names)
