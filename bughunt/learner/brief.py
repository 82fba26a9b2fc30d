"""BRIEF.md: what the learner reads first in a variant or challenge folder."""

from __future__ import annotations

from bughunt.catalog import Scenario

_NUMBERS = ("no", "one", "two", "three")


def injected(bugs: int, file_name: str) -> str:
    """The sentence that tells how many bugs to look for: a learner stops after that many."""
    if bugs == 1:
        return f"One bug was injected into `{file_name}`. Find it and fix it."
    count = _NUMBERS[bugs] if bugs < len(_NUMBERS) else str(bugs)
    return (f"{count.capitalize()} bugs were injected into `{file_name}`, of different classes on different "
            f"lines. Find and fix all {count}: the checks pass only when every one is fixed.")


def brief_markdown(scenario: Scenario, *, symptom: str | None = None, challenge: bool = False,
                   handout: bool = False, bugs: int = 1) -> str:
    """The brief; `handout` for a folder from `generate`, which has no workspace, no test
    file and no manifest: its commands are the ones that work on a bare file. `bugs`: how
    many bugs the round holds."""
    lines = [f"# {scenario.title}  ({scenario.id})", "", scenario.brief, ""]
    if challenge:
        lines += ["## Your task", "",
                  f"Implement every `TODO` in `{scenario.file_name}`. The docstrings say what each piece "
                  "must do and why; any correct implementation passes.", ""]
    else:
        lines += ["## Symptom", "", "A user of this code reports:", "", "```text", (symptom or "").strip(),
                  "```", "", injected(bugs, scenario.file_name), ""]
    if handout:
        lines += ["## Commands", "",
                  f"- `bughunt check {scenario.id} {scenario.file_name}`: run the checks on your file "
                  "(exit code 0 when every check passes)",
                  f"- `bughunt check {scenario.id} {scenario.file_name} --json`: the same, as JSON"]
    else:
        lines += ["## Commands", "", "- `bughunt submit`: run the checks on your file",
                  "- `bughunt hint`: one more hint (each costs a few points)",
                  "- `bughunt reset`: start over from the served file (yours is backed up)",
                  "- `pytest` in this folder runs the same checks"]
    if scenario.guide:
        lines += ["", f"Further reading: `bughunt guide {scenario.guide}`"]
    return "\n".join(lines) + "\n"
