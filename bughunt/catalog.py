"""The track's levels and the scenarios built for them, read without importing torch.

A scenario is one reference module (`clean_reference/<package>/<module>.py`) with its
metadata (`scenarios/<package>/<module>.toml`) and its checks (`scenarios/<package>/<module>.py`).
Which levels exist, how the roadmap groups them into stages and the order of every scenario
come from one file, `scenarios/track.toml`, read into `Track`. Everything is found through
the installed packages (importlib.resources), never through a checkout, so a wheel plays
the same game. Everything here is plain data, so `bughunt levels`, `bugs` and `--help` stay
fast.

Words: a *level* is a numbered folder (01 … 12); a *stage* is one of the roadmap's four
"Level 1 … 4" (`level1` … `level4` on the command line), a group of levels.
"""

from __future__ import annotations

import difflib
import importlib.util
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from bughunt.errors import UsageError

# The content packages, found by name: the catalog reads their files, never their code.
SCENARIOS_PACKAGE, REFERENCE_PACKAGE = "scenarios", "clean_reference"
TRACK_FILE = "track.toml"


@dataclass(frozen=True)
class Level:
    """One numbered folder of the track."""

    number: str  # "01" … "12"
    package: str  # "l01_data_processing"
    title: str
    teaches: str  # one line: what the learner practises here

    @property
    def topic(self) -> str:
        """The package name without its `lNN_` prefix, e.g. `data_processing`."""
        return self.package.split("_", 1)[1]

    @property
    def names(self) -> frozenset[str]:
        """What a learner may type for it: `03`, `3`, `l03`, `l3`, the package, the topic."""
        return frozenset({self.number, str(int(self.number)), f"l{self.number}", f"l{int(self.number)}",
                          self.package, self.topic})


@dataclass(frozen=True)
class Stage:
    """One of the roadmap's stages: a group of levels, named `level1` … `level4`."""

    name: str
    title: str
    levels: tuple[str, ...]  # level numbers


@dataclass(frozen=True)
class Track:
    """`scenarios/track.toml`: the levels in number order, the stages, and every scenario id
    in the order the roadmap plays them."""

    levels: tuple[Level, ...]
    stages: tuple[Stage, ...]
    order: tuple[str, ...]  # scenario ids ("l06_advanced.accumulation")

    def level_order(self) -> tuple[str, ...]:
        """Level numbers in the order the track reaches them (its first scenario's place)."""
        by_package = {lv.package: lv.number for lv in self.levels}
        return tuple(dict.fromkeys(by_package[i.split(".", 1)[0]] for i in self.order))

    def stages_of(self, number: str) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if number in s.levels)


def _read_track(text: str) -> Track:
    """Parse and check the track: a mistake here is the content's, said in one line."""
    data = tomllib.loads(text)
    levels = tuple(Level(e["number"], e["package"], e["title"], e["teaches"]) for e in data["level"])
    stages = tuple(Stage(e["name"], e["title"], tuple(e["levels"])) for e in data.get("stage", ()))
    order = tuple(data["track"]["order"])
    numbers, packages = [lv.number for lv in levels], {lv.package for lv in levels}
    problems = [f"level {n} is declared twice" for n in sorted({n for n in numbers if numbers.count(n) > 1})]
    problems += [f"{i} is named twice" for i in sorted({i for i in order if order.count(i) > 1})]
    problems += [f"{i} is not in a declared level" for i in order if i.split(".", 1)[0] not in packages]
    problems += [f"stage {s.name} names unknown level {n}" for s in stages for n in s.levels if n not in numbers]
    if problems:
        raise ValueError(f"{TRACK_FILE}: " + "; ".join(problems))
    return Track(levels, stages, order)


@cache
def track() -> Track:
    return _read_track(resources.files(SCENARIOS_PACKAGE).joinpath(TRACK_FILE).read_text(encoding="utf-8"))


def levels() -> tuple[Level, ...]:
    return track().levels


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
        # The content packages are installed as folders (runners import them from files), so
        # importlib.resources gives a real path.
        return Path(str(resources.files(REFERENCE_PACKAGE).joinpath(self.level.package, self.file_name)))

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


def metadata_files() -> dict[str, Path]:
    """Every scenario's TOML in the installed `scenarios` package, by scenario id, whether or
    not the track names it (the content test compares the two)."""
    root = resources.files(SCENARIOS_PACKAGE)
    found = {}
    for level_ in levels():
        folder = root.joinpath(level_.package)
        if folder.is_dir():
            found.update({f"{level_.package}.{entry.name[:-5]}": Path(str(entry))
                          for entry in folder.iterdir() if entry.name.endswith(".toml")})
    return found


@cache
def all_scenarios() -> tuple[Scenario, ...]:
    """Every scenario the track names, in level number order, each level in track order."""
    files, by_package = metadata_files(), {lv.package: lv for lv in levels()}
    missing = [i for i in track().order if i not in files]
    if missing:
        raise ValueError(f"{TRACK_FILE} names scenarios with no metadata file: {', '.join(missing)}")
    ordered = sorted(track().order, key=lambda i: by_package[i.split(".", 1)[0]].number)
    return tuple(_load_scenario(files[i], by_package[i.split(".", 1)[0]]) for i in ordered)


def in_track_order(chosen) -> tuple[Scenario, ...]:
    """`chosen` scenarios in the order the roadmap plays them."""
    return tuple(sorted(chosen, key=lambda s: track().order.index(s.id)))


def level(number_or_package: str) -> Level:
    for candidate in levels():
        if number_or_package in (candidate.number, candidate.package):
            return candidate
    raise KeyError(number_or_package)


def scenarios_of(level_: Level) -> tuple[Scenario, ...]:
    return tuple(s for s in all_scenarios() if s.level == level_)


def scenario(scenario_id: str) -> Scenario:
    for candidate in all_scenarios():
        if candidate.id == scenario_id:
            return candidate
    raise UsageError(f"unknown scenario {scenario_id!r}{_suggestion(scenario_id, [s.id for s in all_scenarios()])}; "
                     "choose from the ids `bughunt levels` lists")


def resolve(name: str) -> tuple[Scenario, ...]:
    """The scenarios a stage, level, topic or scenario name stands for.

    Accepts `level1`…`level4`, `01`…`12` (also `1`, `l01`, `l1`), package and topic names,
    scenario ids (`l06_advanced.accumulation`) and bare module names (`accumulation`).
    """
    key = name.strip().lower()
    for stage in track().stages:
        if key == stage.name:
            return _built(name, tuple(s for s in all_scenarios() if s.level.number in stage.levels))
    for level_ in levels():
        if key in level_.names:
            return _built(name, scenarios_of(level_))
    matches = tuple(s for s in all_scenarios() if key in (s.id, s.module_name))
    if matches:
        return matches
    known = [*(s.name for s in track().stages), *(n for lv in levels() for n in sorted(lv.names)),
             *(s.id for s in all_scenarios()), *(s.module_name for s in all_scenarios())]
    first, last = track().stages[0].name, track().stages[-1].name
    raise UsageError(f"unknown level or scenario {name!r}{_suggestion(key, known)}; choose from: "
                     f"{first}-{last}, {levels()[0].number}-{levels()[-1].number} or a scenario "
                     "(`bughunt levels` lists them)")


def _suggestion(typed: str, known: list[str]) -> str:
    """` (did you mean 'level1'?)` for the closest few names, or nothing when none is close."""
    close = [repr(c) for c in difflib.get_close_matches(typed, list(dict.fromkeys(known)), n=3, cutoff=0.6)]
    if not close:
        return ""
    return f" (did you mean {' or '.join(close) if len(close) < 3 else ', '.join(close[:-1]) + ' or ' + close[-1]}?)"


def _built(name: str, chosen: tuple[Scenario, ...]) -> tuple[Scenario, ...]:
    if not chosen:
        built = sorted({s.level.number for s in all_scenarios()})
        raise UsageError(f"level {name!r} has no scenarios yet; built levels: {', '.join(built)}")
    return chosen


def package_folder(package: str) -> Path:
    """Where an installed content package (`SCENARIOS_PACKAGE`, `REFERENCE_PACKAGE`) lies, found
    without importing it: the runner's sandbox is drawn from these folders."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))).resolve()
