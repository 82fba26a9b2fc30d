"""zero-grad, and the deletion behaviour every statement-deleting mutator shares."""

from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.zero_grad import ZeroGrad


def ids(source):
    return [site.id for site in sites(ZeroGrad, source)]


def test_each_zero_grad_call_is_a_site():
    before = dedent("""\
        def train(model, optimizer, batches):
            model.zero_grad()
            for batch in batches:
                optimizer.zero_grad(set_to_none=True)
                model(batch).sum().backward()
    """)
    assert ids(before) == ["zero-grad:train:0", "zero-grad:train:1"]
    assert apply(ZeroGrad, before, "zero-grad:train:1") == dedent("""\
        def train(model, optimizer, batches):
            model.zero_grad()
            for batch in batches:
                model(batch).sum().backward()
    """)


def test_an_emptied_block_gets_pass_and_an_emptied_if_goes_whole():
    before = dedent("""\
        def train(optimizer, steps):
            for step in range(steps):
                if step % 2 == 0:
                    optimizer.zero_grad()  # a fresh group
                optimizer.step()
            while steps:
                optimizer.zero_grad()
    """)
    assert apply(ZeroGrad, before, "zero-grad:train:0") == dedent("""\
        def train(optimizer, steps):
            for step in range(steps):
                optimizer.step()
            while steps:
                optimizer.zero_grad()
    """)
    assert apply(ZeroGrad, before, "zero-grad:train:1").endswith("    while steps:\n        pass\n")


def test_an_if_with_an_else_keeps_its_pass():
    before = "if ready:\n    opt.zero_grad()\nelse:\n    opt.step()\n"
    assert apply(ZeroGrad, before, "zero-grad:<module>:0") == "if ready:\n    pass\nelse:\n    opt.step()\n"


def test_leaves_other_code_and_the_demo_alone():
    source = dedent("""\
        grad = model.zero_grad  # not a call statement
        if __name__ == "__main__":
            optimizer.zero_grad()
    """)
    assert ids(source) == []


def test_stable_and_not_reapplied():
    source = "def f(o):\n    o.zero_grad()\n    o.step()\n"
    assert ids(source) == ids(source) == ["zero-grad:f:0"]
    mutated = apply(ZeroGrad, source, "zero-grad:f:0")
    assert ids(mutated) == []
    with pytest.raises(SiteNotFound):
        apply(ZeroGrad, source, "zero-grad:no_such_function:0")
