"""Site names: the enclosing function and an ordinal, so that an edit elsewhere keeps them."""

from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutators import SiteNotFound, apply, locate, parse_site, sites
from mutators.inplace import Inplace
from mutators.zero_grad import ZeroGrad

SOURCE = dedent('''\
    """A module."""

    opt.zero_grad()


    def train(model, opt):
        opt.zero_grad()
        opt.zero_grad()

        def inner():
            opt.zero_grad()
        return inner


    class Trainer:
        def step(self):
            self.opt.zero_grad()
''')


def test_a_site_is_named_by_its_function_and_its_ordinal_there():
    assert [s.id for s in sites(ZeroGrad, SOURCE)] == [
        "zero-grad:<module>:0", "zero-grad:train:0", "zero-grad:train:1", "zero-grad:train.inner:0",
        "zero-grad:Trainer.step:0"]
    assert [s.function for s in sites(ZeroGrad, SOURCE)] == [None, "train", "train", "train.inner",
                                                              "Trainer.step"]
    assert [s.line for s in sites(ZeroGrad, SOURCE)] == [3, 7, 8, 11, 17]


def test_a_name_read_back_is_the_same_site_and_is_found_where_it_is():
    for site in sites(ZeroGrad, SOURCE):
        assert parse_site(site.id) == site
        assert locate(ZeroGrad, SOURCE, site.id).line == site.line
        assert apply(ZeroGrad, SOURCE, site.id) == apply(ZeroGrad, SOURCE, site)
    with pytest.raises(SiteNotFound):
        locate(ZeroGrad, SOURCE, "zero-grad:train:2")


@pytest.mark.parametrize("text, words", [
    ("zero-grad:7:8", ["'zero-grad:7:8'", "line and column"]),
    ("zero-grad:train", ["'zero-grad:train'"]),
    ("zero-grad:train:first", ["'zero-grad:train:first'"]),
])
def test_a_malformed_name_is_refused_by_name(text, words):
    with pytest.raises(ValueError) as raised:
        parse_site(text)
    assert all(word in str(raised.value) for word in words)


def _grow(source: str, above_module: int, above_bodies: int) -> str:
    """`source` with comment lines at the top and at the top of every indented block."""
    out = ["# added\n"] * above_module
    for line in source.splitlines(keepends=True):
        out.append(line)
        if line.rstrip().endswith(":"):
            indent = len(line) - len(line.lstrip()) + 4
            out.extend([" " * indent + "# added\n"] * above_bodies)
    return "".join(out)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 5), st.integers(0, 3))
def test_lines_added_above_a_site_keep_its_name_and_its_rewrite(above_module, above_bodies):
    grown = _grow(SOURCE, above_module, above_bodies)
    assert [s.id for s in sites(ZeroGrad, grown)] == [s.id for s in sites(ZeroGrad, SOURCE)]
    # A rewrite that keeps every line: the grown text of the mutant is the mutant of the grown text.
    source = "def forward(self, x):\n    h = torch.relu(x)\n    h = h + x\n    return h\n"
    for site in sites(Inplace, source):
        assert apply(Inplace, _grow(source, above_module, above_bodies), site.id) == \
            _grow(apply(Inplace, source, site.id), above_module, above_bodies)
