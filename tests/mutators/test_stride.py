from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.stride import Stride


def ids(source):
    return [site.id for site in sites(Stride, source)]


BLOCK = dedent("""\
    class Block(nn.Module):
        def __init__(self, channels, out_channels, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, out_channels, 3, stride=stride, padding=1, bias=False)
            self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
            self.shortcut = nn.Identity()
            if stride != 1 or channels != out_channels:  # project
                self.shortcut = nn.Conv2d(channels, out_channels, 1, stride=stride)
""")


def test_sites_of_a_basic_block():
    found = {site.id: site.note for site in sites(Stride, BLOCK)}
    assert found == {
        "stride:Block.__init__:0": "move the stride to the convolution on line 5",
        "stride:Block.__init__:1": "drop stride=stride",
        "stride:Block.__init__:2": "drop 'stride != 1' from the projection test",
        "stride:Block.__init__:3": "drop 'channels != out_channels' from the projection test",
        "stride:Block.__init__:4": "move the stride to the convolution on line 5",
        "stride:Block.__init__:5": "drop stride=stride",
    }


def test_drops_a_stride_argument():
    assert apply(Stride, BLOCK, "stride:Block.__init__:1") == BLOCK.replace(
        "3, stride=stride, padding=1", "3, padding=1")
    assert apply(Stride, BLOCK, "stride:Block.__init__:5") == BLOCK.replace(
        "1, stride=stride)", "1)")


def test_moves_the_stride_to_the_next_convolution_when_none_comes_before():
    after = apply(Stride, BLOCK, "stride:Block.__init__:0")
    assert after == BLOCK.replace("3, stride=stride, padding=1", "3, padding=1").replace(
        "self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1",
        "self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=stride, padding=1")


def test_moves_the_stride_to_the_previous_convolution_first():
    before = dedent("""\
        def branch(a, b, stride):
            return nn.Sequential(
                nn.Conv2d(a, b, 1, bias=False),
                nn.Conv2d(b, b, 3, stride=stride, padding=1),
                nn.Conv2d(b, 4 * b, 1),
            )
    """)
    assert ids(before) == ["stride:branch:0", "stride:branch:1"]
    assert apply(Stride, before, "stride:branch:0") == dedent("""\
        def branch(a, b, stride):
            return nn.Sequential(
                nn.Conv2d(a, b, 1, stride=stride, bias=False),
                nn.Conv2d(b, b, 3, padding=1),
                nn.Conv2d(b, 4 * b, 1),
            )
    """)


def test_the_projection_test_keeps_one_half():
    assert apply(Stride, BLOCK, "stride:Block.__init__:2") == BLOCK.replace(
        "if stride != 1 or channels != out_channels:", "if channels != out_channels:")
    assert apply(Stride, BLOCK, "stride:Block.__init__:3") == BLOCK.replace(
        "if stride != 1 or channels != out_channels:", "if stride != 1:")


TEMPLATE = "def f(x, a, b, k, s):\n    return {}\n"


@pytest.mark.parametrize("before, after", [
    ("nn.Conv2d(a, b, 3, 2)", "nn.Conv2d(a, b, 3)"),
    ("Conv1d(a, b, k, stride=s)", "Conv1d(a, b, k)"),
    ("nn.MaxPool2d(3, stride=1, padding=1)", "nn.MaxPool2d(3, padding=1)"),
    ("nn.AvgPool2d(kernel_size=2, stride=1)", "nn.AvgPool2d(kernel_size=2)"),
    ("nn.MaxPool2d(3, 1)", "nn.MaxPool2d(3)"),
    ("make_layer(x, a, b, 2, stride=2)", "make_layer(x, a, b, 2)"),
    ("block(a, b, stride=s)", "block(a, b)"),
])
def test_each_lone_stride_is_dropped(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(Stride, source)
    assert apply(Stride, source, site) == TEMPLATE.format(after)


def test_leaves_default_strides_hidden_positions_and_the_demo_alone():
    source = dedent("""\
        def f(x, a, b, s):
            c1 = nn.Conv2d(a, b, 3, stride=1)
            c2 = nn.Conv2d(a, b, 3, s, 1)
            p1 = nn.MaxPool2d(2, stride=2)
            p2 = nn.MaxPool2d(kernel_size=3, stride=None)
            p3 = nn.MaxPool2d(2, 2, 0)
            y = block(a, b, s)
            z = f(x, stride=1)
            if s != 1 and a != b:
                pass
            if a != b or b > 2:
                pass
            return x.unfold(0, 2, 1)

        if __name__ == "__main__":
            nn.Conv2d(1, 2, 3, stride=2)
            if stride != 1 or a != b:
                pass
    """)
    assert ids(source) == []


def test_a_conv_without_a_neighbour_only_loses_its_stride():
    source = "stem = nn.Conv2d(3, 16, 7, stride=2, padding=3)\n"
    assert [site.note for site in sites(Stride, source)] == ["drop stride=2"]


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(Stride, BLOCK)
    assert found == sites(Stride, BLOCK)
    for site in found:
        mutated = apply(Stride, BLOCK, site)
        assert mutated != BLOCK
        compile(mutated, "block.py", "exec")
        assert (site.line, site.column) not in [(s.line, s.column) for s in sites(Stride, mutated)]
    with pytest.raises(SiteNotFound):
        apply(Stride, BLOCK, "stride:no_such_function:0")
