"""The study guides (`bughunt/guides/*.md`), split into sections addressable as `guide#section`.

They ship inside the package and are found through it (importlib.resources), so a wheel
install lists and shows the same guides as a checkout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from bughunt.errors import UsageError


def slug(heading: str) -> str:
    """`Diffusion (DDPM)` -> `diffusion-ddpm`: lowercase, punctuation dropped, spaces to hyphens."""
    words = re.sub(r"[^a-z0-9\s-]", "", heading.lower()).split()
    return "-".join(words)


@dataclass(frozen=True)
class Guide:
    name: str  # the file's stem: "pytorch-mastery"
    path: Traversable

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def title(self) -> str:
        return next((line[2:].strip() for line in self.text.splitlines() if line.startswith("# ")), self.name)

    def sections(self) -> dict[str, str]:
        """Each `## ` section's slug and Markdown, in order."""
        found: dict[str, str] = {}
        current, lines = None, []
        for line in self.text.splitlines():
            if line.startswith("## "):
                if current:
                    found[current] = "\n".join(lines)
                current, lines = slug(line[3:]), [line]
            elif current:
                lines.append(line)
        if current:
            found[current] = "\n".join(lines)
        return found


def all_guides() -> list[Guide]:
    files = resources.files("bughunt").joinpath("guides").iterdir()
    return [Guide(f.name.removesuffix(".md"), f) for f in sorted(files, key=lambda f: f.name) if f.name.endswith(".md")]


def lookup(topic: str) -> tuple[Guide, str | None]:
    """`name`, `name#section` or a bare section slug -> the guide and the section (or None)."""
    guides = {g.name: g for g in all_guides()}
    name, _, section = topic.partition("#")
    if name in guides:
        guide = guides[name]
        if section and section not in guide.sections():
            raise UsageError(f"guide {name!r} has no section {section!r}; choose from: {', '.join(guide.sections())}")
        return guide, section or None
    for guide in guides.values():
        if slug(topic) in guide.sections():
            return guide, slug(topic)
    raise UsageError(f"unknown guide or section {topic!r}; choose from: {', '.join(guides)}")
