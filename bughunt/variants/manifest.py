"""What a variant folder records about its round (`.bughunt/manifest.json`), and what
`bughunt generate` lists per variant: one typed record, read and written only here.

Plain data with no libcst behind it: the learner's commands read it on every call. A
folder written before rounds could hold several bugs has no `bugs` list, only `bug_class`
and `site`; reading it gives the same one-bug list a newer folder holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from bughunt.variants.difficulty import DEFAULT as DEFAULT_DIFFICULTY

BUG, CHALLENGE = "bug", "challenge"  # the kinds of round a folder holds
FILE_NAME = "manifest.json"


@dataclass(frozen=True)
class Bug:
    """One bug of a round: its class and its site (`mutators.Site.id`)."""

    bug_class: str
    site: str


@dataclass(frozen=True)
class Manifest:
    scenario: str  # "l06_advanced.accumulation"
    kind: str = BUG
    variant: str = ""  # "accumulation-3fa2c1", or "challenge-accumulation"
    file: str = ""  # the learner's file, relative to the folder (or a path, in a hand-out)
    bugs: tuple[Bug, ...] = ()  # empty for a challenge
    seed: int | None = None  # the generator's seed
    symptom: str = ""
    check: str = ""  # the check whose failure is the symptom
    sha256: str = ""  # of the served source
    difficulty: str = DEFAULT_DIFFICULTY
    disguise: int | None = None  # camouflage's seed; None: served as the mutator wrote it
    classic: int | None = None  # its number in the classic series, when served as one
    extra: dict = field(default_factory=dict, compare=False)  # keys this version does not know

    @property
    def bug_class(self) -> str:
        """The class, or the classes joined by `+` for a round with several bugs."""
        return "+".join(bug.bug_class for bug in self.bugs)

    @property
    def site(self) -> str:
        return "+".join(bug.site for bug in self.bugs)

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("bugs", "extra")}
        return {**self.extra, **data, "bug_class": self.bug_class, "site": self.site,
                "bugs": [asdict(bug) for bug in self.bugs]}

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        known = {f.name for f in fields(cls)} - {"bugs", "extra"}
        bugs = data.get("bugs")
        if bugs is None and (data.get("bug_class") or data.get("site")):  # before rounds had several bugs
            bugs = [{"bug_class": data.get("bug_class", ""), "site": data.get("site", "")}]
        return cls(**{k: v for k, v in data.items() if k in known},
                   bugs=tuple(Bug(b["bug_class"], b["site"]) for b in bugs or ()),
                   extra={k: v for k, v in data.items() if k not in known | {"bugs", "bug_class", "site"}})

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        """The manifest of a variant folder's `.bughunt/` (its `folder` argument)."""
        return cls.from_json(json.loads((folder / FILE_NAME).read_text(encoding="utf-8")))

    def save(self, folder: Path) -> None:
        (folder / FILE_NAME).write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
