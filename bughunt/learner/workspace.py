"""The learner's workspace: one folder per variant or challenge, never overwritten.

    bughunt-work/
      progress.sqlite          attempts, hints, times, scores
      active                   the folder `submit`, `hint`, `watch` work on
      variants/003-accumulation-3fa2c1/
        accumulation.py        the file to fix (or to implement, for a challenge)
        BRIEF.md               what the code must do, and the symptom
        test_accumulation.py   `pytest` here runs the same checks as `bughunt submit`
        .bughunt/manifest.json the answer (bug class, site): not for peeking
        .bughunt/served.py     the file as served, for `reset` and the diffs
        .bughunt/backups/      what `reset` replaced
"""

from __future__ import annotations

import difflib
import shutil
import site
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bughunt import catalog
from bughunt.catalog import Scenario
from bughunt.errors import UsageError
from bughunt.variants.manifest import Manifest

_PYTEST_RUNNER = '''"""Run bughunt's checks for this folder's file with pytest: `pytest` here, or `bughunt submit`."""

import os
import site
import sys
from pathlib import Path

# Found without an activated environment: where bughunt and its packages were installed.
for folder in {sites!r}:
    site.addsitedir(folder)
sys.path.insert(0, {root!r})
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", {storage!r})  # nothing left beside your file

import pytest  # noqa: E402

from bughunt.learner.folder_checks import checks_for, run  # noqa: E402

SCENARIO, FILE = {scenario!r}, Path(__file__).with_name({file!r})


@pytest.mark.parametrize("check", checks_for(SCENARIO), ids=lambda c: c.name)
def test_check(check):
    run(check, SCENARIO, FILE)
'''


def _pytest_runner(scenario: Scenario, file_name: str) -> str:
    import bughunt
    from bughunt.judge.reference import cache_dir

    root = str(Path(bughunt.__file__).resolve().parents[1])  # the folder that holds the package
    sites = [p for p in site.getsitepackages() if Path(p).is_dir()]
    return _PYTEST_RUNNER.format(scenario=scenario.id, file=file_name, root=root, sites=sites,
                                 storage=str(cache_dir() / "hypothesis"))


@dataclass(frozen=True)
class VariantFolder:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> Manifest:
        return Manifest.load(self.path / ".bughunt")

    @property
    def scenario(self) -> Scenario:
        return catalog.scenario(self.manifest.scenario)

    @property
    def kind(self) -> str:
        return self.manifest.kind

    @property
    def file(self) -> Path:
        return self.path / self.manifest.file

    @property
    def served(self) -> str:
        return (self.path / ".bughunt" / "served.py").read_text(encoding="utf-8")

    @property
    def workspace(self) -> Workspace:
        """The workspace holding this folder (`<root>/variants/<this folder>`)."""
        return Workspace(self.path.parents[1])

    def backup(self) -> Path | None:
        """Copy the learner's current file aside; None when there is nothing to keep."""
        if not self.file.exists():
            return None
        backups = self.path / ".bughunt" / "backups"
        backups.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = backups / f"{stamp}-{self.file.name}"
        counter = 1
        while target.exists():
            target = backups / f"{stamp}-{counter}-{self.file.name}"
            counter += 1
        shutil.copyfile(self.file, target)  # bytes as they are, whatever the learner saved
        return target

    def reset(self) -> Path | None:
        """Put the served file back, keeping the learner's version as a backup."""
        kept = self.backup()
        self.file.write_text(self.served, encoding="utf-8")
        return kept


def enclosing(start: Path) -> Path | None:
    """The workspace `start` is in (itself or a folder above it), if any: a learner who went
    into `bughunt-work/` or one of its variant folders still means that workspace."""
    for candidate in (start, *start.parents):
        if (candidate / "progress.sqlite").is_file() or (candidate / "active").is_file():
            return candidate
    return None


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"workspace {str(self.root)!r} exists and is not a folder")

    @property
    def variants(self) -> Path:
        return self.root / "variants"

    @property
    def database(self) -> Path:
        return self.root / "progress.sqlite"

    def folders(self) -> list[VariantFolder]:
        if not self.variants.is_dir():
            return []
        return [VariantFolder(p) for p in sorted(self.variants.iterdir())
                if (p / ".bughunt" / "manifest.json").is_file()]

    def create(self, name: str, scenario: Scenario, source: str, manifest: Manifest, brief: str) -> VariantFolder:
        """A new numbered folder holding the served file; existing folders are never touched."""
        self.variants.mkdir(parents=True, exist_ok=True)
        number = 1 + max((int(p.name.split("-", 1)[0]) for p in self.variants.iterdir()
                          if p.name.split("-", 1)[0].isdigit()), default=0)
        path = self.variants / f"{number:03d}-{name}"
        (path / ".bughunt").mkdir(parents=True)
        file_name = scenario.file_name
        (path / file_name).write_text(source, encoding="utf-8")
        (path / ".bughunt" / "served.py").write_text(source, encoding="utf-8")
        replace(manifest, file=file_name).save(path / ".bughunt")
        (path / "BRIEF.md").write_text(brief, encoding="utf-8")
        (path / f"test_{scenario.module_name}.py").write_text(_pytest_runner(scenario, file_name), encoding="utf-8")
        self.set_active(VariantFolder(path))
        return VariantFolder(path)

    def set_active(self, folder: VariantFolder) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "active").write_text(folder.name + "\n")

    def active(self) -> VariantFolder:
        marker = self.root / "active"
        if not marker.is_file():
            raise UsageError(f"no active variant in workspace {str(self.root)!r}; start one with `bughunt play LEVEL`")
        folder = VariantFolder(self.variants / marker.read_text().strip())
        if not (folder.path / ".bughunt" / "manifest.json").is_file():
            raise UsageError(f"the active variant folder {str(folder.path)!r} is gone; "
                             "start one with `bughunt play LEVEL`")
        return folder

    @staticmethod
    def standing_in() -> VariantFolder | None:
        """The variant folder the learner is standing in (or below), if any."""
        here = Path.cwd()
        for candidate in (here, *here.parents):
            if (candidate / ".bughunt" / "manifest.json").is_file():
                return VariantFolder(candidate)
        return None

    def current(self) -> VariantFolder:
        """The variant folder the learner is standing in (or below), else the active one."""
        return self.standing_in() or self.active()

    def locate(self, file: Path | None) -> tuple[VariantFolder, Path]:
        """The variant a FILE argument belongs to (its folder), or the current one."""
        if file is None:
            folder = self.current()
            return folder, folder.file
        file = Path(file)
        if not file.exists():
            raise UsageError(f"no such file: {str(file)!r}")
        folder_path = file if file.is_dir() else file.parent
        if not (folder_path / ".bughunt" / "manifest.json").is_file():
            raise UsageError(f"{str(file)!r} is not in a bughunt variant folder; use `bughunt check SCENARIO FILE`")
        folder = VariantFolder(folder_path)
        return folder, (folder.file if file.is_dir() else file)


def unified(before: str, after: str, before_name: str, after_name: str) -> str:
    """A unified diff of two sources: the learner's change or the fix, against the served file
    (`submit`, `reveal`, the notebook)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        before_name, after_name))
