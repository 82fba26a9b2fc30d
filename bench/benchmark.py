"""Wall-clock figures for bughunt's commands, measured as a user runs them.

    python bench/benchmark.py            # all figures
    python bench/benchmark.py --quick    # one run each, no analyze

Every figure is the median of several runs of the real command in a fresh process, so
interpreter start-up and imports count. `check` is reported beside a bare
`python -c "import torch"`, the floor of any command that runs checks.
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
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def timed(command: list[str], runs: int) -> tuple[float, subprocess.CompletedProcess]:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=ENV)
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per figure, no analyze")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    runs = 1 if options.quick else 3
    figures: dict[str, float] = {}

    for name, command in (("--help", [*BUGHUNT, "--help"]), ("levels", [*BUGHUNT, "levels"]),
                          ("bugs", [*BUGHUNT, "bugs"])):
        figures[f"bughunt {name}"], _ = timed(command, runs)
    torch_floor, _ = timed([sys.executable, "-c", "import torch"], runs)
    figures["python -c 'import torch'"] = torch_floor

    from bughunt import catalog

    for scenario in catalog.all_scenarios():
        seconds, done = timed([*BUGHUNT, "check", scenario.id, str(scenario.reference_path), "--json"], runs)
        assert done.returncode == 0, done.stderr
        figures[f"check {scenario.id} (over the torch floor)"] = seconds - torch_floor

    out = Path(tempfile.mkdtemp(prefix="bughunt-bench-"))
    try:
        seconds, done = timed([*BUGHUNT, "generate", "level3", "--count", "10", "--seed", "7",
                               "--out", str(out / "gen"), "--json"], 1)
        assert done.returncode == 0, done.stderr
        figures["generate level3 --count 10"] = seconds
        seconds, done = timed([*BUGHUNT, "play", "level3", "--seed", "1", "--workspace", str(out / "ws"), "--json"], 1)
        figures["play level3"] = seconds
    finally:
        shutil.rmtree(out, ignore_errors=True)

    if not options.quick:
        seconds, done = timed([*BUGHUNT, "analyze", "--json"], 1)
        report = json.loads(done.stdout)
        figures["analyze (all levels)"] = seconds
        figures["analyze mutants"] = len(report["mutants"])
        figures["analyze mutants/s (whole command)"] = len(report["mutants"]) / seconds
        per_mutant = [m["seconds"] for m in report["mutants"] if m["seconds"]]
        figures["median seconds per mutant (warm fork)"] = statistics.median(per_mutant)

    if options.json:
        print(json.dumps({k: round(v, 3) for k, v in figures.items()}, indent=2))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value:8.3f}")


if __name__ == "__main__":
    main()
