"""The notebook's rounds: play, submit, hint, reveal, progress and challenge, on the same
engine, workspace and progress database as the CLI.

A round started here can be submitted from the terminal and the other way round: the
workspace is `workspace=`, else the one this kernel last used, else `$BUGHUNT_WORKSPACE`,
else `./bughunt-work`, as for the CLI; the round is the one of the variant folder the kernel
stands in, else the workspace's active one. Grading goes through the sandboxed judge: the
learner's code runs in a runner process, never in this kernel.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from bughunt.judge.verdict import DEFAULT_TIMEOUT
from bughunt.learner.workspace import unified
from bughunt.notebook import views
from bughunt.variants import difficulty as difficulties
from bughunt.variants.manifest import BUG

_state: dict[str, Path] = {}


def _space(workspace: str | os.PathLike | None = None):
    from bughunt.learner.workspace import Workspace

    if workspace is not None:
        _state["workspace"] = Path(workspace)
    root = _state.get("workspace") or Path(os.environ.get("BUGHUNT_WORKSPACE", "bughunt-work"))
    return Workspace(root)


def _put_in_next_cell(code: str) -> bool:
    """Put `%%bughunt submit` and the code into the next cell, where the front end allows."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_next_input") or not hasattr(shell, "kernel"):
        return False  # a terminal IPython would put it at its own prompt, not in a cell
    shell.set_next_input(f"%%bughunt submit\n{code}", replace=False)
    return True


def _served(folder, symptom: str | None, series: list, kind: str, document: dict) -> views.Result:
    scenario = folder.scenario
    code = folder.file.read_text(encoding="utf-8")
    hard = folder.manifest.difficulty == difficulties.HARD
    encoded = None if hard else views.series_picture(series)
    parts = [views.box(f"{scenario.title} · {folder.kind}", views.markdown(scenario.brief), "#1f77b4")]
    if symptom:
        parts.append(views.box("symptom", views.pre(symptom), "#d62728"))
        parts.append(views.picture(encoded, "yours (red, dashed) beside a correct run (green)"))
    else:
        parts.append("<p>Implement every TODO; the docstrings say what each piece does and why.</p>")
    parts.append(views.code_with_copy(code, str(folder.file), _put_in_next_cell(code)))
    parts.append("<p>Then run the cell (<code>%%bughunt submit</code>); stuck? <code>bh.hint()</code></p>")
    return views.Result(kind, document, "".join(parts), encoded)


def play(level: str, bug: str | None = None, seed: int | None = None, difficulty: str | None = None,
         workspace: str | os.PathLike | None = None) -> views.Result:
    """Serve a fresh buggy variant of `level` (as `bughunt play LEVEL`): the brief, the symptom
    and its picture; the code goes into the next cell."""
    from bughunt import catalog
    from bughunt.errors import UsageError
    from bughunt.learner import serving

    difficulty = difficulty or difficulties.DEFAULT
    if difficulty not in difficulties.LEVELS:
        raise UsageError(f"difficulty {difficulty!r} is not one of: {', '.join(difficulties.LEVELS)}")
    seed = random.randrange(2**31) if seed is None else seed
    folder, variant = serving.serve_bug(_space(workspace), catalog.resolve(level), seed, bug,
                                        difficulty=difficulty)
    series = list(variant.series) if difficulty != difficulties.HARD else []
    document = {"folder": str(folder.path), "file": str(folder.file), "scenario": variant.scenario.id,
                "seed": seed, "symptom": variant.symptom, "classic": folder.manifest.classic,
                **({"series": series} if series else {})}
    return _served(folder, variant.symptom, series, "round", document)


def challenge(level: str, fresh: bool = False, workspace: str | os.PathLike | None = None) -> views.Result:
    """A stub to implement (as `bughunt challenge`); an unsolved one is reopened."""
    from bughunt import catalog
    from bughunt.learner import serving

    space = _space(workspace)
    scenario = serving.pick_challenge(space, catalog.resolve(level))
    folder, reopened = serving.serve_challenge(space, scenario, fresh=fresh)
    document = {"folder": str(folder.path), "file": str(folder.file), "scenario": scenario.id,
                "reopened": reopened}
    return _served(folder, None, [], "challenge", document)


def submit(code: str | None = None, workspace: str | os.PathLike | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> views.Result:
    """Grade the active round's file (as `bughunt submit`). With `code` (what `%%bughunt
    submit` passes: the cell), that code becomes the file first; the file it replaces is kept
    as a backup, as `reset` keeps one."""
    from bughunt.judge import grading
    from bughunt.learner.progress import Progress

    folder = _space(workspace).current()
    space = folder.workspace
    if code is not None:
        current = folder.file.read_text(encoding="utf-8") if folder.file.exists() else None
        if current != code:
            folder.backup()  # nothing when there is no file yet
            folder.file.write_text(code, encoding="utf-8")
    source = grading.read_candidate(folder.file)
    progress = Progress(space.database)
    progress.require_writable()
    progress.ensure(folder.name, folder.manifest)
    verdict = grading.grade_source(folder.scenario, source, str(folder.file), timeout=timeout,
                                   hidden=(space.root,))
    record = progress.attempt(folder.name, verdict.passed, [o.name for o in verdict.outcomes if not o.passed])
    left = _bugs_left(folder, source) if not verdict.passed else None
    document = {**verdict.to_json(), "variant": folder.name, "solved": record.solved,
                "attempts": record.attempts, "score": record.score,
                **({} if verdict.passed else {"bugs_left": left})}
    return _verdict_view(folder, source, verdict, record, left, document)


def _bugs_left(folder, source: str) -> int | None:
    if folder.kind != "bug":
        return None
    from bughunt.variants import dressing

    return dressing.bugs_left(folder.scenario, folder.manifest, source)


def _verdict_view(folder, source, verdict, record, left, document) -> views.Result:
    from bughunt import bug_classes

    parts = [views.headline(verdict.passed, f"{folder.scenario.id} · attempt {record.attempts} "
                                            f"({verdict.seconds:.1f} s)"),
             views.checks_table(document["checks"])]
    encoded = None
    if not verdict.passed:
        failing = next((o for o in verdict.outcomes if not o.passed and o.series), None)
        if failing is not None and folder.manifest.difficulty != difficulties.HARD:
            encoded = views.series_picture(failing.series)
            parts.append(views.picture(encoded, f"{failing.name}: yours (red, dashed) beside a correct run (green)"))
        if verdict.output:
            parts.append(views.box("your code printed", views.pre(verdict.output[-800:]), "#888"))
        if left:
            total = len(folder.manifest.bugs)
            parts.append(f"<p>{left} of the {total} bugs in this round {'is' if left == 1 else 'are'} still there.</p>")
        parts.append("<p>Not yet. <code>bh.hint()</code> for a nudge.</p>")
        return views.Result("verdict", document, "".join(parts), encoded)
    parts.append(views.diff(unified(folder.served, source, "served", "yours"), "your change"))
    if folder.kind == BUG:
        from bughunt.variants import dressing  # the fix in the round's disguise: libcst, once solved

        fixed = dressing.fixed_text(folder.scenario, folder.manifest)
        parts.append(views.diff(unified(folder.served, fixed, "served", "fixed"), "the reference fix"))
        for bug in folder.manifest.bugs:
            found = bug_classes.by_id(bug.bug_class)
            parts.append(views.box(f"lesson: {found.id} — {found.title}", views.markdown(found.lesson), "#2ca02c"))
    parts.append(f"<p><b style='color:#2ca02c'>Solved</b> in {record.attempts} attempt(s), {record.hints} "
                 f"hint(s): score {record.score}.</p>")
    return views.Result("verdict", document, "".join(parts))


def hint(workspace: str | os.PathLike | None = None) -> views.Result:
    """The next hint for the active round, vaguest first (each lowers the score a little)."""
    from bughunt.learner.hints import next_hint

    number, total, text = next_hint(_space(workspace).current())
    title = f"hint {number} of {total}" if number else f"no more hints (all {total} shown)"
    return views.Result("hint", {"hint": number or None, "of": total, "text": text, "more": 0 < number < total},
                        views.box(title, views.markdown(text), "#b8860b"))


def reveal(workspace: str | os.PathLike | None = None) -> views.Result:
    """The answer and the lesson, once the round has been tried at least once (scores it 0)."""
    from bughunt import bug_classes
    from bughunt.errors import UsageError
    from bughunt.learner.progress import Progress
    from bughunt.variants import dressing

    folder = _space(workspace).current()
    progress = Progress(folder.workspace.database)
    if progress.ensure(folder.name, folder.manifest).attempts == 0:
        raise UsageError("submit at least one attempt before revealing the answer (`%%bughunt submit`)")
    progress.reveal(folder.name)
    fixed = dressing.fixed_text(folder.scenario, folder.manifest)
    bug = folder.kind == BUG
    answer = unified(folder.served, fixed, "served", "fixed") if bug else fixed
    lesson = "\n\n".join(bug_classes.by_id(b.bug_class).lesson for b in folder.manifest.bugs) if bug else ""
    document = {"variant": folder.name, "kind": folder.kind, "answer": answer, "lesson": lesson,
                "bug_class": folder.manifest.bug_class, "site": folder.manifest.site}
    body = (views.diff(answer, f"the fix ({folder.manifest.bug_class})")
            + views.box("lesson", views.markdown(lesson), "#2ca02c")) if bug else \
        views.box(str(folder.scenario.reference_path.name), views.pre(answer), "#555")
    return views.Result("reveal", document, body)


def progress(workspace: str | os.PathLike | None = None) -> views.Result:
    """Every round and challenge of the workspace, and the track level by level."""
    from bughunt.learner.progress import Progress, summary

    space = _space(workspace)
    records = Progress(space.database).records()
    document = summary(records)
    cells = [[r.folder, r.scenario, "revealed" if r.revealed else ("solved" if r.solved else "open"),
              r.attempts, r.hints, "" if r.score is None else r.score] for r in records]
    body = (f"<b>Progress in {views._e(space.root)}</b>"
            + views.table(["folder", "scenario", "status", "attempts", "hints", "score"], cells)
            + f"<p>Total score: {document['total_score']}</p>")
    return views.Result("progress", document, body)
