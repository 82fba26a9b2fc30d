from textwrap import dedent

import libcst as cst

from camouflage import Dice
from camouflage.rewrap import Rewrap


class Always(Dice):
    def __init__(self) -> None:
        pass

    def chance(self, key, probability=0.5):
        return True

    def choice(self, key, options):
        return options[-1]


def rewrap(source, dice=None):
    return Rewrap.rewrite(cst.parse_module(source), dice or Always(), {}).code


def test_splits_a_long_call_one_argument_per_line():
    before = dedent("""\
        def f(model, config):
            optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)  # SGD
            return optimizer
    """)
    after = dedent("""\
        def f(model, config):
            optimizer = torch.optim.SGD(
                model.parameters(),
                lr=config.lr,
                momentum=config.momentum,
            )  # SGD
            return optimizer
    """)
    assert rewrap(before) == after


def test_joins_a_split_call_that_fits():
    before = dedent("""\
        def f(a, b):
            return combine(
                a,
                b,  # no comment inside the call? this one stays
            )


        def g(a, b):
            result = combine(a,
                             b)  # shape comment
            combine(
                a, b,
            )
            return result
    """)
    after = dedent("""\
        def f(a, b):
            return combine(
                a,
                b,  # no comment inside the call? this one stays
            )


        def g(a, b):
            result = combine(a, b)  # shape comment
            combine(a, b)
            return result
    """)
    assert rewrap(before) == after


def test_leaves_short_calls_chains_and_what_would_not_fit():
    long_name = "x" * 90
    source = dedent(f"""\
        def f(a, b):
            y = g(a, b)
            z = a.view(a.shape[0], -1, 1, 1).expand(b.shape[0], -1, b.shape[2], b.shape[3]).transpose(1, 2)
            w = g(
                {long_name},
                b,
            )
            v = g(a, [1,
                      2])
            print(f"a very long message that goes on and on and on and on and on and on {{a}}")
            return y, z, w, v
    """)
    assert rewrap(source) == source


def test_same_seed_same_text_and_seeds_differ():
    source = "".join(f"value_{i} = some_function(first_argument_{i}, second_argument_{i}, third_argument_number_{i})\n"
                     for i in range(6))
    module = cst.parse_module(source)
    outputs = [Rewrap.rewrite(module, Dice(seed, Rewrap.ID), {}).code for seed in range(12)]
    assert outputs == [Rewrap.rewrite(module, Dice(seed, Rewrap.ID), {}).code for seed in range(12)]
    assert len(set(outputs)) > 3
