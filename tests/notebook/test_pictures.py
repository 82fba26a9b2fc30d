"""Series (the symptom as data), their terminal plots and their matplotlib figures."""

import base64
import io
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from bughunt import series
from bughunt.cli import plots

LINE = series.line("loss per step", "batch", "loss", [1.0, 1.7, float("nan"), 15.2], [1.0, 1.2, 1.1, 1.1])
HEAT = series.heat("attention weights", "key", "query", [[0.2, 0.8], [0.5, 0.5]], [[0.6, 0.4], [0.1, 0.9]])
LABELLED = series.line("gradient norm", "", "norm", [0.9, 0.9], [0.9, 0.05], x=["after backward", "at the step"])

nested = st.recursive(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6),
                      lambda inner: st.lists(inner, max_size=4), max_leaves=20)


@given(nested)
def test_numbers_are_flat_finite_floats_or_gaps(value):
    flat = series.numbers(value)
    assert all(n is None or (isinstance(n, float) and math.isfinite(n)) for n in flat)
    assert len(flat) == _leaves(value)  # one number, or one gap, per leaf


def _leaves(value) -> int:
    return sum(_leaves(item) for item in value) if isinstance(value, list) else 1


def test_tensors_and_sizes():
    torch = pytest.importorskip("torch")
    assert series.numbers(torch.tensor([[1.0, float("inf")], [2.0, 3.0]])) == [1.0, None, 2.0, 3.0]
    big = series.line("t", "x", "y", list(range(10_000)), [])
    assert len(big["candidate"]) == series.MAX_POINTS and len(big["x"]) == series.MAX_POINTS
    heat = series.heat("w", "k", "q", torch.rand(2, 3, 60, 70), torch.rand(2, 3, 60, 70))
    assert len(heat["candidate"]) == series.MAX_CELLS and len(heat["candidate"][0]) == series.MAX_CELLS
    assert series.is_heat(heat) and not series.is_heat(LINE)


def test_a_draw_that_fails_or_returns_junk_draws_nothing():
    def broken(got, expected, **example):
        raise KeyError("losses")

    assert series.draw(broken, {}, {}, {"seed": 0}) == []
    assert series.draw(None, {}, {}, {}) == []
    assert series.draw(lambda got, expected, **e: "a string", 1, 2, {}) == []
    kept = series.draw(lambda got, expected, **e: [LINE, {"title": 3}, {**HEAT, "x": None}], 1, 2, {})
    assert kept == [LINE]


def test_the_check_declares_its_draw():
    from bughunt.judge.checking import Outcome, check

    @check("the loss explodes", compare=lambda got, expected, **example: None,
           draw=lambda got, expected, **example: [LINE])
    def observed(module):
        return 1

    assert observed.draw(1, 2) == [LINE]
    assert "series" not in Outcome("x", "pass").to_json()
    assert Outcome("x", "fail", series=[LINE]).to_json()["series"] == [LINE]


def _console(width: int, colour: bool = True) -> Console:
    return Console(file=io.StringIO(), width=width, color_system="standard" if colour else None,
                   force_terminal=colour)


def test_terminal_plots_fit_the_terminal():
    console = _console(80)
    console.print(plots.drawn([HEAT, LABELLED, LINE], console))
    text = console.file.getvalue()
    assert "attention weights" in text and "at the step" in text and "yours" in text and "reference" in text
    assert "loss per step" not in text  # the first MAX_PLOTS only: a terminal is not a report
    import re

    assert max(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in text.splitlines()) <= 80


def test_terminal_plots_are_left_out_where_they_cannot_help():
    assert plots.drawn([LINE], _console(59)) is None
    assert plots.drawn([LINE], _console(120, colour=False)) is None
    assert plots.drawn([LINE], _console(120), difficulty="hard") is None
    assert plots.drawn([], _console(120)) is None
    assert plots.drawn([LINE], _console(60)) is not None


def test_figures_are_png_and_results_carry_the_json_keys():
    pytest.importorskip("matplotlib")
    from bughunt.notebook import figures, views

    encoded = figures.png([LINE, HEAT, LABELLED])
    assert base64.b64decode(encoded).startswith(b"\x89PNG")
    assert figures.png([]) is None
    result = views.Result("verdict", {"passed": False, "checks": []}, "<b>FAILED</b>", encoded)
    assert result.passed is False and result.checks == []
    bundle = result._repr_mimebundle_()
    assert bundle["image/png"] == encoded and result._repr_html_() == "<b>FAILED</b>"
    with pytest.raises(AttributeError, match="passed, checks"):
        result.score  # noqa: B018 - the attribute access is what raises


def test_html_escapes_what_the_candidate_wrote():
    from bughunt.notebook import views

    table = views.checks_table([{"name": "same", "status": "fail", "passed": False, "symptom": "<b>",
                                 "message": "<script>alert(1)</script>", "example": "x=<i>"}])
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "<script>" not in views.code_with_copy("</pre><script>x</script>", "/f.py", False)


def test_every_level_draws_at_least_one_symptom():
    """Every level trains or transforms tensors, so each has a check that can draw."""
    from bughunt import catalog
    from bughunt.judge.grader import checks_of

    bare = [level.number for level in catalog.levels()
            if catalog.scenarios_of(level)
            and not any(c.draw for s in catalog.scenarios_of(level) for c in checks_of(s.id))]
    assert not bare, f"levels without a picture: {bare}"
