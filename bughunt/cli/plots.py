"""The symptom drawn in the terminal: a failing check's series (`bughunt.series`) as text plots.

plotext draws them (a kept library, not a renderer of our own), candidate in red beside the
reference in green, sized to the terminal. A plot is left out where it cannot help: a
terminal narrower than `MIN_WIDTH` or without colour (the two lines would look alike), and
`--difficulty hard`, which gives away less. plotext is imported only when there is something
to draw, so `--help`, `levels` and `bugs` never load it.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from bughunt import series as pictures
from bughunt.variants.difficulty import HARD

MIN_WIDTH = 60
MAX_WIDTH = 100
MAX_PLOTS = 2  # a terminal shows the first (most telling) pictures; the rest are in --json
LINE_HEIGHT = 14
CANDIDATE, REFERENCE = "red", "green"


def wanted(console: Console, difficulty: str | None = None) -> bool:
    """Whether this terminal, at this difficulty, gets plots."""
    return (difficulty != HARD and console.width >= MIN_WIDTH and console.color_system is not None
            and not console.no_color)


def of_verdict(verdict, console: Console, difficulty: str | None = None) -> Group | None:
    """The pictures of the first failing check that has any; None when there are none to show."""
    failing = next((o for o in verdict.outcomes if not o.passed and o.series), None)
    return None if failing is None else drawn(failing.series, console, difficulty)


def drawn(all_series, console: Console, difficulty: str | None = None) -> Group | None:
    """Every series as a text plot for `console`, or None where plots are left out."""
    if not all_series or not wanted(console, difficulty):
        return None
    width = min(console.width, MAX_WIDTH)
    return Group(*(Text.from_ansi(_heat(s, width) if pictures.is_heat(s) else _line(s, width))
                   for s in all_series[:MAX_PLOTS]))


def _points(xs: list, ys: list) -> tuple[list, list]:
    """The drawable points: numeric x (labels become positions), y not missing."""
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)
    kept = [(x if numeric else i, y) for i, (x, y) in enumerate(zip(xs, ys)) if y is not None]
    return [x for x, _ in kept], [y for _, y in kept]


def _line(one: dict, width: int) -> str:
    import plotext as plt

    plt.main().clear_figure()  # plotext keeps one global figure: start from nothing
    plt.theme("clear")
    plt.plot_size(width, LINE_HEIGHT)
    plt.title(one["title"])
    plt.xlabel(one["x_label"])
    plt.ylabel(one["y_label"])
    xs = one["x"] or list(range(max(len(one["candidate"]), len(one["reference"]))))
    if not all(isinstance(x, (int, float)) for x in xs):
        plt.xticks(list(range(len(xs))), [str(x) for x in xs])
    elif all(isinstance(x, int) for x in xs) and len(xs) <= 20:
        plt.xticks(xs, [str(x) for x in xs])  # steps and epochs: whole numbers, not 0.50
    for side, label, color in (("reference", "reference", REFERENCE), ("candidate", "yours", CANDIDATE)):
        x, y = _points(xs, one[side])
        if y:
            plt.plot(x, y, label=label, color=color, marker="hd")
    return plt.build()


def _heat(one: dict, width: int) -> str:
    """Candidate and reference heat maps side by side, one cell per character, on one colour
    scale (dark blue low, yellow high)."""
    import plotext as plt

    cells = [v for side in ("candidate", "reference") for row in one[side] for v in row if v is not None]
    low, high = (min(cells), max(cells)) if cells else (0.0, 1.0)

    def colour(value):
        if value is None:
            return (0, 0, 0)
        v = (value - low) / ((high - low) or 1.0)
        return (int(40 + 215 * v), int(30 + 200 * v), int(140 * (1 - v)))

    rows = max(len(one["candidate"]), len(one["reference"]), 1)
    columns = max(len(one["x"]), 1)
    panel = min(width // 2, max(columns + 6, 13))  # about one character per cell
    plt.main().clear_figure()  # plotext keeps one global figure: start from nothing
    plt.theme("clear")
    plt.plot_size(2 * panel, rows + 6)
    plt.subplots(1, 2)
    for column, (side, label) in enumerate((("candidate", "yours"), ("reference", "reference")), start=1):
        plt.subplot(1, column)
        if one[side]:
            plt.matrix_plot([[colour(v) for v in row] for row in one[side]])
        plt.title(label)
        plt.xlabel(one["x_label"])
        plt.ylabel(one["y_label"])
    return f"{one['title']} (low: dark blue, high: yellow)\n" + plt.build()
