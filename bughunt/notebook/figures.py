"""The symptom drawn with matplotlib: a failing check's series as one PNG, candidate beside
reference, for the notebook's HTML.

The figure is made with matplotlib's object API on the Agg canvas (no pyplot, no backend
state): the learner's own plots and backend choice in the kernel are left alone.
"""

from __future__ import annotations

import base64
import io

from bughunt import series as pictures

CANDIDATE, REFERENCE = "#d62728", "#2ca02c"


def png(all_series: list[dict]) -> str | None:
    """The series as one PNG, base64-encoded; None when there is nothing to draw."""
    if not all_series:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = sum(2 if pictures.is_heat(s) else 1 for s in all_series)
    columns = panels if panels <= 3 else 2  # four panels as two rows of two
    rows = -(-panels // columns)
    figure = Figure(figsize=(min(4.2 * columns, 11), 3.2 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = iter(figure.subplots(rows, columns, squeeze=False).flat)
    for one in all_series:
        if pictures.is_heat(one):
            _heat(figure, next(axes), next(axes), one)
        else:
            _line(next(axes), one)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _line(ax, one: dict) -> None:
    xs = one["x"] or list(range(max(len(one["candidate"]), len(one["reference"]))))
    labels = None
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs):
        labels, xs = [str(x) for x in xs], list(range(len(xs)))
    for side, label, colour, style in (("reference", "reference", REFERENCE, "-"),
                                       ("candidate", "yours", CANDIDATE, "--")):
        values = one[side]
        points = [(x, y) for x, y in zip(xs, values) if y is not None]
        if points:
            ax.plot([x for x, _ in points], [y for _, y in points], style, color=colour,
                    marker="o" if len(points) <= 40 else None, markersize=3, label=label)
    if labels is not None:
        ax.set_xticks(xs, labels)
    elif all(isinstance(x, int) for x in xs):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps and epochs are whole numbers
    ax.set_title(one["title"], fontsize=9, wrap=True)
    ax.set_xlabel(one["x_label"])
    ax.set_ylabel(one["y_label"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _heat(figure, left, right, one: dict) -> None:
    """Candidate and reference on one colour scale, so equal colours mean equal values."""
    import numpy as np

    def matrix(rows):
        width = max((len(r) for r in rows), default=0)
        return np.array([[np.nan if v is None else v for v in r] + [np.nan] * (width - len(r)) for r in rows],
                        dtype=float)

    got, want = matrix(one["candidate"]), matrix(one["reference"])
    finite = [m[np.isfinite(m)] for m in (got, want) if m.size]
    values = np.concatenate(finite) if finite else np.array([0.0, 1.0])
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    image = None
    for ax, data, label in ((left, got, "yours"), (right, want, "reference")):
        if data.size:
            image = ax.imshow(data, vmin=low, vmax=high, cmap="viridis", aspect="auto")
            ax.set_xticks(range(data.shape[1]) if data.shape[1] <= 16 else ax.get_xticks()[1:-1])
            ax.set_yticks(range(data.shape[0]) if data.shape[0] <= 16 else ax.get_yticks()[1:-1])
        ax.set_title(f"{one['title']}\n{label}", fontsize=9)
        ax.set_xlabel(one["x_label"])
        ax.set_ylabel(one["y_label"])
    if image is not None:
        figure.colorbar(image, ax=[left, right], shrink=0.8)
