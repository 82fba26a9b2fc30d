"""Progressive hints: the scenario's own, then the bug class, then where to look."""

from __future__ import annotations

import mutators
from bughunt.catalog import Scenario
from bughunt.learner.progress import Progress
from bughunt.variants import dressing
from bughunt.variants.difficulty import enclosing_function
from bughunt.variants.manifest import BUG, Manifest


def hint_ladder(scenario: Scenario, manifest: Manifest, served: str) -> list[str]:
    """Every hint for a variant, vaguest first. A challenge gets the scenario's hints only."""
    ladder = list(scenario.hints)
    if manifest.kind != BUG:
        return ladder
    classes = list(dict.fromkeys(bug.bug_class for bug in manifest.bugs))
    ladder += [text for text, hosted in scenario.class_hints if set(classes) & set(hosted)]
    ladder += [mutators.by_id(mutator).HINT for mutator in classes]
    # Lines count in the served file, compared with the same file without its bugs: a
    # deletion points where the deleted line belongs, and camouflage moves nothing.
    places = dressing.changes(dressing.fixed_text(scenario, manifest), served)
    owners = list(dict.fromkeys(o for o in (enclosing_function(served, line) for line, _ in places) if o))
    if owners:
        ladder.append("The bug is inside " + " and ".join(f"`{o}`" for o in owners) + "." if len(classes) == 1
                      else "The bugs are inside " + " and ".join(f"`{o}`" for o in owners) + ".")
    for line, missing in places:
        ladder.append(f"Something is missing just above line {line} of the file as it was served." if missing
                      else f"Look closely at line {line} of the file as it was served.")
    return ladder


NO_MORE = "No more hints: that was the last one. `bughunt reveal` shows the answer (and scores 0)."


def next_hint(folder) -> tuple[int, int, str]:
    """Count and return the folder's next hint as (number, of, text); past the last, number 0
    and a pointer to `reveal` that costs nothing."""
    ladder = hint_ladder(folder.scenario, folder.manifest, folder.served)
    progress = Progress(folder.workspace.database)
    progress.ensure(folder.name, folder.manifest)
    if progress.hints_shown(folder.name) >= len(ladder):
        return 0, len(ladder), NO_MORE
    number = progress.hint(folder.name)
    return number, len(ladder), ladder[number - 1]
