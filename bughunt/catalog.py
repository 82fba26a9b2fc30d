"""The track's levels and the scenarios built for them, read without importing torch.

A scenario is one reference module (`clean_reference/<package>/<module>.py`) with its
metadata (`scenarios/<package>/<module>.toml`) and its checks (`scenarios/<package>/<module>.py`).
Everything here is plain data, so `bughunt levels`, `bugs` and `--help` stay fast.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import clean_reference
import scenarios as scenarios_package

from bughunt.errors import UsageError


@dataclass(frozen=True)
class Level:
    number: str  # "01" … "12"
    package: str  # "l01_data_processing"
    title: str
    teaches: str  # one line: what the learner practises here

    @property
    def topic(self) -> str:
        """The package name without its `lNN_` prefix, e.g. `data_processing`."""
        return self.package.split("_", 1)[1]


LEVELS: tuple[Level, ...] = (
    Level("01", "l01_data_processing", "Tensors and Datasets",
          "device, shapes, cat vs stack, conditioning a feature map, Dataset and DataLoader"),
    Level("02", "l02_models", "Models",
          "concatenating features, conditioning an MLP, encoder and decoder"),
    Level("03", "l03_training", "One training epoch",
          "zero_grad, forward, loss, backward, step, batches on the right device"),
    Level("04", "l04_bug_finding", "The classic bugs",
          "labels dtype, cat dim, device, eval(), shapes, in-place ops, scheduler step"),
    Level("05", "l05_intermediate", "Loops and checkpoints",
          "train and validate for epochs, backbone and head, saving and loading state"),
    Level("06", "l06_advanced", "Advanced patterns",
          "multiple inputs, clipping, accumulation, mixed precision, checkpointing, path datasets"),
    Level("07", "l07_industry", "Full pipeline",
          "seeding, splits, best-model saving, early stopping, LR schedules"),
    Level("08", "l08_cumulative", "Cumulative",
          "one end-to-end script, two-stage training with a frozen backbone"),
    Level("09", "l09_expert", "Expert",
          "custom autograd.Function, distributed data parallel"),
    Level("10", "l10_diffusion", "Diffusion",
          "DDPM noise schedule, q_sample, noise prediction, the training step"),
    Level("11", "l11_transformers", "Transformers",
          "scaled dot-product attention, multi-head attention, a Pre-LN encoder block"),
    Level("12", "l12_architectures", "CNN architectures",
          "residual blocks, VGG, bottlenecks, a small ResNet, Inception"),
)

# The roadmap's four levels group the first folders.
GROUPS: dict[str, tuple[str, ...]] = {
    "level1": ("01", "02", "03", "04"),
    "level2": ("05",),
    "level3": ("06",),
    "level4": ("07",),
}

# The roadmap's core track; 06 and the electives follow it.
TRACK_ORDER: tuple[str, ...] = ("01", "02", "03", "04", "05", "07", "08", "06", "10", "11", "12", "09")


@dataclass(frozen=True)
class Equivalent:
    """A mutant the checks cannot kill because it behaves exactly like the reference."""

    site: str  # "mutator:function:ordinal", as `mutators.Site.id` names it
    reason: str


@dataclass(frozen=True)
class Scenario:
    id: str  # "l06_advanced.accumulation"
    level: Level
    title: str
    brief: str  # what the code must do, for the learner: no spoilers
    hints: tuple[str, ...]  # progressive, vaguest first; true of every bug class it hosts
    bug_classes: tuple[str, ...]  # mutator ids that apply here
    equivalents: tuple[Equivalent, ...] = ()
    # Hints that fit some bug classes only: (text, classes), shown after the general ones
    # when one of those classes was injected (`[[class_hint]]` tables in the TOML).
    class_hints: tuple[tuple[str, tuple[str, ...]], ...] = ()
    guide: str = ""  # "guide-name#section" for further reading
    classic: int | None = None  # its number in level 04's classic series, if it is one
    classic_site: str | None = None  # "mutator:function:ordinal": the bug as the series documents it
    # Natural alternatives for the reference's local variables, (name, (alternative, ...)),
    # for camouflage: `camouflage.disguise(source, seed, dict(scenario.local_names))`.
    local_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    metadata_path: Path = field(default=Path(), compare=False)

    @property
    def module_name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def reference_module(self) -> str:
        return f"clean_reference.{self.id}"

    @property
    def checks_module(self) -> str:
        return f"scenarios.{self.id}"

    @property
    def reference_path(self) -> Path:
        return Path(clean_reference.__file__).parent / self.level.package / f"{self.module_name}.py"

    @property
    def file_name(self) -> str:
        return f"{self.module_name}.py"

    def equivalent_reason(self, site: str) -> str | None:
        return next((e.reason for e in self.equivalents if e.site == site), None)


def _load_scenario(path: Path, level: Level) -> Scenario:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    classic = data.get("classic", {})
    return Scenario(
        id=f"{level.package}.{path.stem}",
        level=level,
        title=data["title"],
        brief=data["brief"].strip(),
        hints=tuple(data.get("hints", ())),
        class_hints=tuple((h["text"], tuple(h["classes"])) for h in data.get("class_hint", ())),
        bug_classes=tuple(data.get("bug_classes", ())),
        equivalents=tuple(Equivalent(e["site"], e["reason"]) for e in data.get("equivalent", ())),
        guide=data.get("guide", ""),
        classic=classic.get("number"),
        classic_site=classic.get("site"),
        local_names=tuple((name, tuple(options)) for name, options in data.get("local_names", {}).items()),
        metadata_path=path,
    )


@cache
def all_scenarios() -> tuple[Scenario, ...]:
    """Every scenario, in level order, then in the order its level's `order` file gives."""
    root = Path(scenarios_package.__file__).parent
    found: list[Scenario] = []
    for level in LEVELS:
        folder = root / level.package
        if not folder.is_dir():
            continue
        order_file = folder / "order.txt"
        names = order_file.read_text().split() if order_file.exists() else []
        paths = sorted(folder.glob("*.toml"), key=lambda p: (names.index(p.stem) if p.stem in names else len(names), p.stem))
        found.extend(_load_scenario(path, level) for path in paths)
    return tuple(found)


def level(number_or_package: str) -> Level:
    for candidate in LEVELS:
        if number_or_package in (candidate.number, candidate.package):
            return candidate
    raise KeyError(number_or_package)


def scenarios_of(level_: Level) -> tuple[Scenario, ...]:
    return tuple(s for s in all_scenarios() if s.level == level_)


def scenario(scenario_id: str) -> Scenario:
    for candidate in all_scenarios():
        if candidate.id == scenario_id:
            return candidate
    raise UsageError(f"unknown scenario {scenario_id!r}; choose from: {', '.join(s.id for s in all_scenarios())}")


def _level_names(level_: Level) -> set[str]:
    return {level_.number, f"l{level_.number}", level_.package, level_.topic, str(int(level_.number))}


def resolve(name: str) -> tuple[Scenario, ...]:
    """The scenarios a level, group, topic or scenario name stands for.

    Accepts `level1`…`level4`, `01`…`12`, `l01`…`l12`, package and topic names,
    scenario ids (`l06_advanced.accumulation`) and bare module names (`accumulation`).
    """
    key = name.strip().lower()
    if key in GROUPS:
        chosen = tuple(s for s in all_scenarios() if s.level.number in GROUPS[key])
        return _built(name, chosen)
    for level_ in LEVELS:
        if key in _level_names(level_):
            return _built(name, scenarios_of(level_))
    matches = tuple(s for s in all_scenarios() if key in (s.id, s.module_name))
    if matches:
        return matches
    allowed = [*GROUPS, *(lv.number for lv in LEVELS), *(s.id for s in all_scenarios())]
    raise UsageError(f"unknown level or scenario {name!r}; choose from: {', '.join(allowed)}")


def _built(name: str, chosen: tuple[Scenario, ...]) -> tuple[Scenario, ...]:
    if not chosen:
        built = sorted({s.level.number for s in all_scenarios()})
        raise UsageError(f"level {name!r} has no scenarios yet; built levels: {', '.join(built)}")
    return chosen
