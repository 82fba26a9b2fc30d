"""Series: the symptom as data to draw, candidate beside reference.

A failing check may say what to draw from the two observations it compared (its `draw`,
run in the judge on the failing example). What it returns is a list of series, the shape
`--json` carries and every front end draws (the terminal with plotext, the notebook with
matplotlib):

    {"title": "loss per step", "x_label": "step", "y_label": "loss",
     "x": [0, 1, 2], "candidate": [0.9, 1.4, 2.2], "reference": [0.9, 0.7, 0.6]}

For a heat map, `candidate` and `reference` are lists of rows (and `x` labels the columns).
Numbers are plain floats; one that is not finite becomes None (JSON has no NaN), so a
diverging candidate still draws. Sizes are capped: a picture is for looking at, not a dump.
No torch here: tensors are read through `tolist()`, and `levels` and `--help` stay light.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

MAX_POINTS = 400  # points in one line; a longer one is thinned evenly
MAX_CELLS = 48  # rows, and columns, of one heat map
MAX_SERIES = 4  # pictures for one failing check


def numbers(value: Any) -> list[float | None]:
    """A flat list of floats from a number, a list (nested or not) or a tensor."""
    if value is None:
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bool):
        return [float(value)]
    if isinstance(value, (int, float)):
        number = float(value)
        return [number if math.isfinite(number) else None]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in numbers(item)]
    return [None]  # something that is not a number: a gap in the line, not an error


def rows(value: Any) -> list[list[float | None]]:
    """A matrix as a list of rows of floats; a tensor with more than two dimensions gives
    its last two (its first matrix)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    while isinstance(value, list) and value and isinstance(value[0], list) \
            and value[0] and isinstance(value[0][0], list):
        value = value[0]
    if not isinstance(value, list):
        return []
    return [numbers(row)[:MAX_CELLS] for row in value[:MAX_CELLS]]


def line(title: str, x_label: str, y_label: str, candidate: Any, reference: Any,
         x: Iterable | None = None) -> dict:
    """One line of each side over `x` (0, 1, 2, … when not given)."""
    got, expected = numbers(candidate), numbers(reference)
    count = max(len(got), len(expected))
    xs = list(x)[:count] if x is not None else list(range(count))
    stride = -(-count // MAX_POINTS)  # every point up to MAX_POINTS, else every stride-th
    return {"title": title, "x_label": x_label, "y_label": y_label, "x": xs[::stride],
            "candidate": got[::stride], "reference": expected[::stride]}


def heat(title: str, x_label: str, y_label: str, candidate: Any, reference: Any) -> dict:
    """A heat map of each side (rows down `y_label`, columns along `x_label`)."""
    got, expected = rows(candidate), rows(reference)
    columns = max((len(r) for r in got + expected), default=0)
    return {"title": title, "x_label": x_label, "y_label": y_label, "x": list(range(columns)),
            "candidate": got, "reference": expected}


def is_heat(series: dict) -> bool:
    return any(isinstance(v, list) for v in series.get("candidate", []) + series.get("reference", []))


def valid(drawn: Any) -> list[dict]:
    """What a draw returned, kept only where it has the pinned shape (a draw is our own code,
    but what it reads came from the candidate)."""
    if not isinstance(drawn, list):
        return []
    kept = []
    for series in drawn[:MAX_SERIES]:
        if not isinstance(series, dict) or not all(isinstance(series.get(k), str)
                                                   for k in ("title", "x_label", "y_label")):
            continue
        if not all(isinstance(series.get(k), list) for k in ("x", "candidate", "reference")):
            continue
        if not (series["candidate"] or series["reference"]):
            continue
        kept.append({k: series[k] for k in ("title", "x_label", "y_label", "x", "candidate", "reference")})
    return kept


def draw(function: Callable[..., Any] | None, got: Any, expected: Any, example: dict) -> list[dict]:
    """The series `function` draws for a failed comparison; [] when it has none or fails:
    a picture never changes a verdict."""
    if function is None:
        return []
    try:
        return valid(function(got, expected, **example))
    except Exception:  # noqa: BLE001 - an observation the draw did not foresee: no picture
        return []
