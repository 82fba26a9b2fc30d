from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.no_grad import NoGrad


def ids(source):
    return [site.id for site in sites(NoGrad, source)]


BEFORE = dedent("""\
    import torch


    def validate(model, loader):
        total = 0.0
        for x, y in loader:
            # no graph needed here
            with torch.no_grad():
                out = model(x)
                total += float(out.sum())
        return total


    def predict(model, x):
        with torch.inference_mode(): return model(x)


    @torch.no_grad()
    def score(model, x):
        return model(x)
""")


def test_sites_are_the_with_statements_and_decorators():
    assert ids(BEFORE) == ["no-grad:validate:0", "no-grad:predict:0", "no-grad:score:0"]


def test_the_block_body_is_spliced_in_place_keeping_comments():
    assert apply(NoGrad, BEFORE, "no-grad:validate:0") == BEFORE.replace(
        "        with torch.no_grad():\n"
        "            out = model(x)\n"
        "            total += float(out.sum())\n",
        "        out = model(x)\n"
        "        total += float(out.sum())\n")


def test_a_one_line_with_becomes_its_statement():
    assert apply(NoGrad, BEFORE, "no-grad:predict:0") == BEFORE.replace(
        "with torch.inference_mode(): return model(x)", "return model(x)")


def test_a_no_grad_decorator_is_dropped():
    assert apply(NoGrad, BEFORE, "no-grad:score:0") == BEFORE.replace("@torch.no_grad()\n", "")


def test_leaves_other_with_statements_and_the_demo_alone():
    source = dedent("""\
        import torch

        def f(model, x, path):
            with torch.no_grad(), open(path) as fh:
                fh.read()
            with torch.enable_grad():
                y = model(x)
            with torch.inference_mode(False):
                z = model(x)
            with torch.no_grad() as guard:
                w = model(x)
            return y, z, w

        if __name__ == "__main__":
            with torch.no_grad():
                print(f(None, None, None))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(NoGrad, BEFORE)
    assert found == sites(NoGrad, BEFORE)
    for site in found:
        mutated = apply(NoGrad, BEFORE, site)
        assert len(sites(NoGrad, mutated)) == len(found) - 1
        assert site.id not in [s.id for s in sites(NoGrad, mutated)]
    with pytest.raises(SiteNotFound):
        apply(NoGrad, BEFORE, "no-grad:no_such_function:0")
