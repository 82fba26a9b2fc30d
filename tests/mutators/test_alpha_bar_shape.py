from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.alpha_bar_shape import AlphaBarShape


def ids(source):
    return [site.id for site in sites(AlphaBarShape, source)]


BEFORE = dedent("""\
    import torch


    class Schedule:
        def __init__(self, betas):
            self.alphas = 1.0 - betas
            self.alpha_bar = torch.cumprod(self.alphas, dim=0)  # (T,)


    def q_sample(x0, t, noise, alpha_bar):
        a = alpha_bar.to(x0.device)[t].view(-1, 1, 1, 1)  # (B, 1, 1, 1)
        return a.sqrt() * x0 + (1 - a).sqrt() * noise
""")


def test_sites_are_the_cumprod_the_step_and_the_reshape():
    assert ids(BEFORE) == ["alpha-bar-shape:Schedule.__init__:0", "alpha-bar-shape:q_sample:0", "alpha-bar-shape:q_sample:1"]


def test_cumprod_becomes_the_product_up_to_the_step_before():
    assert apply(AlphaBarShape, BEFORE, "alpha-bar-shape:Schedule.__init__:0") == BEFORE.replace(
        "torch.cumprod(self.alphas, dim=0)",
        "torch.cat([self.alphas.new_ones(1), torch.cumprod(self.alphas, dim=0)[:-1]])")


def test_the_step_is_read_one_too_early():
    assert apply(AlphaBarShape, BEFORE, "alpha-bar-shape:q_sample:0") == BEFORE.replace("[t]", "[t - 1]")


def test_the_reshape_goes_and_the_shape_comment_stays():
    assert apply(AlphaBarShape, BEFORE, "alpha-bar-shape:q_sample:1") == BEFORE.replace(".view(-1, 1, 1, 1)", "")


@pytest.mark.parametrize("before, after", [
    ("ab = schedule.alphas_cumprod[t][:, None, None, None]", "ab = schedule.alphas_cumprod[t]"),
    ("ab = self.alpha_bar[t].reshape(-1, *[1] * (x0.dim() - 1))", "ab = self.alpha_bar[t]"),
    ("ab = alphas.cumprod(0)", "ab = torch.cat([alphas.new_ones(1), alphas.cumprod(0)[:-1]])"),
])
def test_other_spellings(before, after):
    source = f"def f(x0, t, schedule, alphas):\n    {before}\n    return ab\n"
    found = [s for s in sites(AlphaBarShape, source) if s.note != "alpha_bar[t] -> [t - 1]"]
    assert len(found) == 1
    assert apply(AlphaBarShape, source, found[0]) == f"def f(x0, t, schedule, alphas):\n    {after}\n    return ab\n"


def test_a_separate_reshape_line_goes_whole():
    source = dedent("""\
        def q_sample(x0, t, noise, alpha_bar):
            alpha_bar_t = alpha_bar[t]
            alpha_bar_t = alpha_bar_t.view(-1, 1)
            return alpha_bar_t * x0
    """)
    site = next(s for s in sites(AlphaBarShape, source) if s.line == 3)
    assert apply(AlphaBarShape, source, site) == source.replace("    alpha_bar_t = alpha_bar_t.view(-1, 1)\n", "")


def test_leaves_other_tensors_and_the_demo_alone():
    source = dedent("""\
        import torch

        def f(x, t, betas, weights):
            a = betas[t].view(-1, 1)
            b = weights.cumprod(0)
            c = torch.cumsum(betas, dim=0)
            d = alpha_bar[0]
            e = alpha_bar[t + 1]
            return a, b, c, d, e

        if __name__ == "__main__":
            print(alpha_bar[t].view(-1, 1), torch.cumprod(alphas, 0))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(AlphaBarShape, BEFORE)
    assert found == sites(AlphaBarShape, BEFORE)
    for site in found:
        mutated = apply(AlphaBarShape, BEFORE, site)
        assert mutated != BEFORE
        compile(mutated, "mutant.py", "exec")
    with pytest.raises(SiteNotFound):
        apply(AlphaBarShape, BEFORE, "alpha-bar-shape:no_such_function:0")
