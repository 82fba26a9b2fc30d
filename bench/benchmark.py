"""Wall-clock figures for bughunt's commands, each paired with the floor measured beside it.

    python bench/benchmark.py            # all figures, 3 paired runs each
    python bench/benchmark.py --quick    # one paired run each, no analyze, no generate of 200
    python bench/benchmark.py --only generate,analyze
    python bench/benchmark.py --only course          # course grade of 200 level3 files
    python bench/benchmark.py --only watch-all       # a re-check in `watch` of every reference

The floor of any command that runs checks is a bare `python -c "import torch"`. This
machine is shared and its speed drifts, so every figure is measured in pairs — the floor,
then the command, run after run — and reported as the median of the command, the median of
its own floors, and the median of the paired differences. A floor measured once and
subtracted from everything is how a +2.5 s cost once read as +1.5 s.

Leave the checkout alone while it runs: the reference cache is keyed by a digest of every
reference and checks source, so an edit midway makes the next `analyze` or `generate`
(each run once) measure the cache being refilled, 40 s where 11 s was meant.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUGHUNT = [sys.executable, "-m", "bughunt"]
FLOOR = [sys.executable, "-c", "import torch"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def once(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - started, done


def paired(command: list[str], runs: int) -> dict:
    floors, costs = [], []
    done = None
    for _ in range(runs):
        floors.append(once(FLOOR)[0])
        seconds, done = once(command)
        costs.append(seconds)
    return {"seconds": statistics.median(costs), "floor": statistics.median(floors),
            "over_floor": statistics.median(c - f for c, f in zip(costs, floors)), "done": done}


def watch_recheck(scenario, runs: int) -> float:
    """A re-check as `watch` does it: the warm runner already up, the reference cached."""
    from bughunt.judge import grader

    source = scenario.reference_path.read_text()
    with grader.Pool([scenario.id]) as pool:
        pool.grade(grader.Job(scenario.id, source, "watched.py"))
        durations = []
        for _ in range(runs):
            started = time.perf_counter()
            verdict = pool.grade(grader.Job(scenario.id, source, "watched.py"))
            durations.append(time.perf_counter() - started)
            assert verdict.passed, verdict.to_json()
    return statistics.median(durations)


def course_grade(students: int) -> list[tuple[str, float, float | None, float | None]]:
    """`course grade` of a class of level3: four in five hand in the fixed file, one in five
    the unfixed hand-out, in the layouts an LMS exports. Once with the course's reference
    observations still to make (a new secret seed), then again with them cached and the
    kept results removed; each beside its own floor."""
    out = Path(tempfile.mkdtemp(prefix="bughunt-bench-course-"))
    try:
        roster = out / "roster.csv"
        roster.write_text("id,email\n" + "".join(f"s{i:03d},s{i}@uni.edu\n" for i in range(students)))
        folder, submitted = out / "course", out / "submissions"
        made = once([*BUGHUNT, "course", "new", "level3", "--roster", str(roster), "--out", str(folder),
                     "--seed", "31337"])
        assert made[1].returncode == 0, made[1].stderr[-2000:]
        record = json.loads((folder / "course.json").read_text())
        submitted.mkdir()
        for index, (student, entry) in enumerate(record["students"].items()):
            text = entry["handout"] if index % 5 == 4 else entry["fixed"]
            if index % 2:
                (submitted / student).mkdir()
                (submitted / student / entry["file_name"]).write_text(text)
            else:
                (submitted / f"{student}_{entry['file_name']}").write_text(text)
        command = [*BUGHUNT, "course", "grade", str(folder), str(submitted), "--workers", "2", "--json"]
        rows = [(f"course new level3 ({students} students)", made[0], None, None)]
        for label in ("references to make", "references cached"):
            shutil.rmtree(folder / "results", ignore_errors=True)
            figure = paired(command, 1)
            assert figure["done"].returncode == 0, figure["done"].stderr[-2000:]
            counts = json.loads(figure["done"].stdout)["counts"]
            rows.append((f"course grade level3, {students} files ({label}; {counts})", figure["seconds"],
                         figure["floor"], figure["over_floor"]))
            rows.append((f"  per file, over the floor ({label})", figure["over_floor"] / students, None, None))
        return rows
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one paired run per figure, no analyze")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", metavar="PARTS", default="startup,check,watch,watch-all,generate,analyze,course",
                        help="comma-separated parts to measure (default: all)")
    options = parser.parse_args()
    parts = set(options.only.split(","))
    runs = 1 if options.quick else 3
    rows: list[tuple[str, float, float | None, float | None]] = []  # name, seconds, floor, over

    for name in ("--help", "levels", "bugs") if "startup" in parts else ():
        seconds = statistics.median(once([*BUGHUNT, name])[0] for _ in range(runs))
        rows.append((f"bughunt {name}", seconds, None, None))

    from bughunt import catalog
    from bughunt.judge.reference import cache_dir

    print(f"(reference observations cached in {cache_dir()})", file=sys.stderr)
    for scenario in catalog.all_scenarios() if "check" in parts else ():
        command = [*BUGHUNT, "check", scenario.id, str(scenario.reference_path), "--json"]
        once(command)  # fills the reference cache, as a first check does
        figure = paired(command, runs)
        assert figure["done"].returncode == 0, figure["done"].stdout[-2000:] + figure["done"].stderr[-2000:]
        rows.append((f"check {scenario.id}", figure["seconds"], figure["floor"], figure["over_floor"]))

    for name in ("l03_training.one_epoch", "l06_advanced.mixed_precision") if "watch" in parts else ():
        rows.append((f"watch re-check {name}", watch_recheck(catalog.scenario(name), runs), None, None))
    if "watch-all" in parts:  # every reference: what its own checks compute sets the re-check
        rechecks = sorted((watch_recheck(scenario, runs), scenario.id) for scenario in catalog.all_scenarios())
        rows.append(("watch re-check, median of the catalog", rechecks[len(rechecks) // 2][0], None, None))
        rows += [(f"watch re-check {name} (one of the slowest)", seconds, None, None)
                 for seconds, name in rechecks[-3:]]

    out = Path(tempfile.mkdtemp(prefix="bughunt-bench-"))
    try:
        for count in (10, 200) if "generate" in parts else ():
            if count > 10 and options.quick:
                continue
            figure = paired([*BUGHUNT, "generate", "level3", "--count", str(count), "--seed", "1",
                             "--out", str(out / f"gen{count}"), "--allow-fewer", "--json"], 1)
            made = json.loads(figure["done"].stdout)
            rows.append((f"generate level3 --count {count} ({len(made['variants'])} variants, "
                         f"{made['distinct_sites']} sites)", figure["seconds"], figure["floor"], figure["over_floor"]))
    finally:
        shutil.rmtree(out, ignore_errors=True)

    if "course" in parts:
        rows += course_grade(30 if options.quick else 200)

    if not options.quick and "analyze" in parts:
        for target in ("l03_training", None):
            command = [*BUGHUNT, "analyze", *([target] if target else []), "--json"]
            figure = paired(command, 1)
            report = json.loads(figure["done"].stdout)
            count = len(report["mutants"])
            rows.append((f"analyze {target or 'all'} ({count} mutants)", figure["seconds"], figure["floor"],
                         figure["over_floor"]))
        (_, _, _, small_over), (_, _, _, whole_over) = rows[-2], rows[-1]
        small_n = int(rows[-2][0].split("(")[1].split()[0])
        whole_n = int(rows[-1][0].split("(")[1].split()[0])
        per_mutant = (whole_over - small_over) / max(1, whole_n - small_n)
        rows.append(("analyze: seconds per further mutant", per_mutant, None, None))
        rows.append(("analyze: fixed cost over the floor", small_over - small_n * per_mutant, None, None))

    if options.json:
        print(json.dumps([{"figure": n, "seconds": round(s, 3), "floor": f and round(f, 3),
                           "over_floor": o and round(o, 3)} for n, s, f, o in rows], indent=2))
        return
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'seconds':>8}  {'floor':>8}  {'over':>8}")
    def show(value: float | None) -> str:
        return f"{value:8.3f}" if value is not None else f"{'':>8}"

    for name, seconds, floor, over in rows:
        print(f"{name:<{width}}  {seconds:8.3f}  {show(floor)}  {show(over)}")


if __name__ == "__main__":
    main()
