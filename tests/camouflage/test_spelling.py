from textwrap import dedent

import libcst as cst

from camouflage import Dice
from camouflage.spelling import Spelling


class Always(Dice):
    def __init__(self) -> None:
        pass

    def chance(self, key, probability=0.5):
        return True

    def choice(self, key, options):
        return options[-1]


def spell(source, dice=None):
    return Spelling.rewrite(cst.parse_module(source), dice or Always(), {}).code


HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n"


def test_size_and_shape_swap():
    before = HEADER + dedent("""\
        def f(x, y):
            n = x.size(0)
            last = y.shape[-1]
            whole = x.size()
            dims = tuple(y.shape)
            return n, last, whole, dims
    """)
    after = HEADER + dedent("""\
        def f(x, y):
            n = x.shape[0]
            last = y.size(-1)
            whole = x.shape
            dims = tuple(y.size())
            return n, last, whole, dims
    """)
    assert spell(before) == after


def test_cat_and_concat_and_the_dim_keyword():
    before = HEADER + dedent("""\
        def f(a, b):
            x = torch.cat([a, b], dim=1)
            y = torch.concat([a, b], 1)
            z = torch.stack([a, b], dim=0)
            p = F.softmax(x, dim=-1)
            q = nn.functional.log_softmax(x, -1)
            return x, y, z, p, q
    """)
    after = HEADER + dedent("""\
        def f(a, b):
            x = torch.concat([a, b], 1)
            y = torch.cat([a, b], dim=1)
            z = torch.stack([a, b], 0)
            p = F.softmax(x, -1)
            q = nn.functional.log_softmax(x, dim=-1)
            return x, y, z, p, q
    """)
    assert spell(before) == after


def test_tensor_reductions_lose_the_dim_keyword():
    before = HEADER + "def f(x):\n    return x.sum(dim=1, keepdim=True), x.argmax(dim=-1), x.softmax(dim=1)\n"
    after = HEADER + "def f(x):\n    return x.sum(1, keepdim=True), x.argmax(-1), x.softmax(1)\n"
    assert spell(before) == after


def test_leaves_what_it_cannot_be_sure_of():
    source = HEADER + dedent("""\
        def f(x, i, torch_like, xs):
            a = x.size(i)  # not a literal
            b = x.shape[1:]  # a slice stays a slice
            c = x.sum(1)  # x might not be a tensor: never gains a keyword
            d = torch_like.cat(xs, dim=1)  # not torch
            e = torch.sum(x, 1, True)  # more positional arguments
            h = x.size(dim=0)
            return a, b, c, d, e, h
    """)
    assert spell(source) == source


def test_a_shadowed_torch_is_not_torch():
    source = "import torch\n\ndef f(torch, xs):\n    return torch.cat(xs, dim=1)\n"
    assert spell(source) == source


def test_no_shape_to_size_where_numpy_arrays_may_live():
    source = "import numpy as np\n\ndef f(a):\n    return a.shape[0], a.shape\n"
    assert spell(source) == source


def test_no_swap_where_the_file_has_a_shape_or_size_of_its_own():
    source = dedent("""\
        class Grid:
            def __init__(self, shape):
                self.shape = shape

            def size(self, i):
                return self.shape[i]


        def f(grid, x):
            return grid.shape, grid.size(0), x.size(0), x.shape[0]
    """)
    assert spell(source) == source


def test_parentheses_are_kept():
    assert spell("def f(x):\n    return (x.size(0)) + 1\n") == "def f(x):\n    return (x.shape[0]) + 1\n"


def aligned(first_line):
    return f"{first_line}\n{' ' * (first_line.index('g(') + 2)}b)\n"


def test_continuation_lines_follow_their_bracket():
    source = HEADER + "def f(a, b):\n" + aligned("    return torch.cat([a, b], dim=1) + g(a,")
    assert spell(source) == HEADER + "def f(a, b):\n" + aligned("    return torch.concat([a, b], 1) + g(a,")


def test_same_seed_same_text_and_seeds_differ():
    source = HEADER + "def f(x, y):\n    return x.size(0), y.shape[1], torch.cat([x, y], dim=1), x.sum(dim=0)\n"
    module = cst.parse_module(source)
    outputs = [Spelling.rewrite(module, Dice(seed, Spelling.ID), {}).code for seed in range(12)]
    assert outputs == [Spelling.rewrite(module, Dice(seed, Spelling.ID), {}).code for seed in range(12)]
    assert len(set(outputs)) > 3
