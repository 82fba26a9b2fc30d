"""What a round gives away at each difficulty."""

from textwrap import dedent

import pytest

from bughunt.judge.checking import Outcome
from bughunt.variants import difficulty

WRONG = Outcome("same_updates", "fail", "the weights are not what a correct loop gives",
                "the parameters differ at '0.weight'\nlargest difference 0.07", "seed=0, sizes=[4, 1]")
CRASH = Outcome("train_mode", "fail", "the model does not train", "RuntimeError: same device\nmore detail",
                "seed=1", raised=True)


def test_normal_shows_what_the_check_saw_and_the_example():
    text = difficulty.symptom(WRONG)
    assert "the weights are not" in text and "largest difference" in text and "seed=0" in text


def test_easy_also_names_the_function():
    assert difficulty.symptom(WRONG, "easy", ["Trainer.step"]).endswith("Look in `Trainer.step`.")
    assert "Look in" not in difficulty.symptom(WRONG, "normal", ["Trainer.step"])


def test_hard_is_only_what_a_user_sees():
    assert difficulty.symptom(WRONG, "hard") == "the weights are not what a correct loop gives"
    assert difficulty.symptom(CRASH, "hard") == "it crashes: RuntimeError: same device"


SOURCE = dedent('''\
    """Module docstring stays."""


    def helper(x):
        """Helper docstring stays."""
        return x + 1  # one more


    class Model:
        def forward(self, x):
            """Forward: what it should do."""
            # a comment that explains the next line
            y = x * 2  # doubled
            return y


    def main():
        # kept: not a buggy function
        return 0
''')


def test_enclosing_function_is_qualified():
    assert difficulty.enclosing_function(SOURCE, 13) == "Model.forward"
    assert difficulty.enclosing_function(SOURCE, 6) == "helper"
    assert difficulty.enclosing_function(SOURCE, 1) is None


def test_hard_strips_comments_and_docstrings_of_the_buggy_functions_only():
    stripped = difficulty.strip_explanations(SOURCE, ["Model.forward"])
    assert stripped == SOURCE.replace('        """Forward: what it should do."""\n', "").replace(
        "        # a comment that explains the next line\n", "").replace("  # doubled", "")


@pytest.mark.parametrize("level", difficulty.LEVELS)
def test_every_level_keeps_the_crash(level):
    assert difficulty.symptom(CRASH, level).startswith("it crashes: RuntimeError")
