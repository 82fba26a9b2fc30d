"""Dressing: the text a round is served in, and the same text without its bugs.

A killed mutant is dressed before it is served: at `hard`, the buggy functions lose their
comments and docstrings; then camouflage rewrites the whole file with the round's seed.
Dressing the reference the same way gives the fixed file as the learner would see it, so
hints point at the right line, `reveal` shows only the bug, and a round with several bugs
can tell a half fix from a whole one.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from collections import Counter
from collections.abc import Iterable

from bughunt.catalog import Scenario
from bughunt.variants import difficulty as difficulties
from bughunt.variants.manifest import BUG, Manifest
from mutators import Site, parse_site


def places(sites: Iterable[Site]) -> list[str]:
    """The functions the bugs are in, by qualified name: a site names its own."""
    return sorted({site.function for site in sites if site.function})


def dress(source: str, scenario: Scenario, sites: Iterable[Site], seed: int | None,
          difficulty: str = difficulties.DEFAULT) -> str:
    """`source` (the reference, or a mutant of it) as a round with these bugs serves it."""
    if difficulty == difficulties.HARD:
        source = difficulties.strip_explanations(source, places(sites))
    if seed is None:
        return source
    from camouflage import disguise

    return disguise(source, seed, dict(scenario.local_names))


def sites_of(scenario: Scenario, manifest: Manifest) -> list[Site]:
    """The round's sites. A folder served before sites were named by their function holds
    `mutator:line:column`, where the site was in the reference then: it is found there again."""
    found = []
    for bug in manifest.bugs:
        try:
            found.append(parse_site(bug.site))
        except ValueError:
            found.append(_by_position(scenario, bug.site))
    return found


def _by_position(scenario: Scenario, text: str) -> Site:
    from bughunt.variants import mutants

    mutator, line, column = text.rsplit(":", 2)
    if not (line.isdigit() and column.isdigit()):
        raise ValueError(f"site {text!r} in a variant folder's manifest is not a site name")
    for site in mutants.sites_of(scenario, mutator):
        if (site.line, site.column) == (int(line), int(column)):
            return site
    raise ValueError(f"site {text!r} (an older folder's) is no longer in {scenario.reference_path.name}")


def fixed_text(scenario: Scenario, manifest: Manifest) -> str:
    """The served file with every bug fixed: the reference, dressed as the round was."""
    reference = scenario.reference_path.read_text(encoding="utf-8")
    if manifest.kind != BUG:
        return reference
    return dress(reference, scenario, sites_of(scenario, manifest), manifest.disguise, manifest.difficulty)


def changes(fixed: str, served: str) -> list[tuple[int, bool]]:
    """Where `served` differs from `fixed`, in the served file's numbering: (line, whether
    something is missing there) for each changed block."""
    matcher = difflib.SequenceMatcher(None, fixed.splitlines(), served.splitlines(), autojunk=False)
    return [(j1 + 1, tag == "delete") for tag, _, _, j1, _ in matcher.get_opcodes() if tag != "equal"]


def bugs_left(scenario: Scenario, manifest: Manifest, source: str) -> int | None:
    """How many of a round's bugs are still in `source`, judged by their text: a bug is
    there while its served lines are there and the lines it took away are missing. None
    when that cannot be told (a round with one bug)."""
    from bughunt.variants import mutants

    sites = sites_of(scenario, manifest)
    if len(sites) < 2:
        return None
    seed, difficulty = manifest.disguise, manifest.difficulty
    fixed = _lines(fixed_text(scenario, manifest))
    have = _lines(source)
    left = 0
    for site in sites:
        buggy = _lines(dress(mutants.make(scenario, site).source, scenario, sites, seed, difficulty))
        added, removed = buggy - fixed, fixed - buggy
        if all(have[line] >= buggy[line] for line in added) and \
                all(have[line] <= buggy[line] for line in removed):
            left += 1
    return left


def _lines(source: str) -> Counter:
    """The code of each line, comments and spacing aside: `x=f(y)  # ...` is `x = f ( y )`."""
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER)
    rows: dict[int, list[str]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in skip:
                rows.setdefault(token.start[0], []).append(token.string)
    except (tokenize.TokenError, SyntaxError):
        return Counter(line.strip() for line in source.splitlines() if line.strip())
    return Counter(" ".join(tokens) for tokens in rows.values())
