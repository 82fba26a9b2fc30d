from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.forward_shape import ForwardShape

TEMPLATE = "import torch\n\n\ndef forward(x, d):\n    return {}\n"


def ids(source):
    return [site.id for site in sites(ForwardShape, source)]


@pytest.mark.parametrize("before, after", [
    ("x.flatten(1)", "x.flatten()"),
    ("x.flatten(start_dim=1)", "x.flatten()"),
    ("x.flatten(2, -1)", "x.flatten()"),
    ("torch.flatten(x, 1)", "torch.flatten(x)"),
    ("torch.flatten(x, start_dim=-3)", "torch.flatten(x)"),
    ("x.view(x.size(0), -1)", "x.view(-1, x.size(0))"),
    ("x.reshape(B, -1)", "x.reshape(-1, B)"),
    ("x.squeeze(1)", "x.squeeze()"),
    ("x.squeeze(dim=-1)", "x.squeeze()"),
    ("torch.squeeze(x, d)", "torch.squeeze(x)"),
    ("x.unsqueeze(1)", "x.unsqueeze(0)"),
    ("x.unsqueeze(-1)", "x.unsqueeze(0)"),
    ("x.unsqueeze(0)", "x.unsqueeze(1)"),
    ("torch.unsqueeze(x, dim=2)", "torch.unsqueeze(x, dim=0)"),
    ("x.permute(0, 2, 3, 1)", "x.permute(0, 2, 1, 3)"),
    ("x.permute(2, 0, 1)", "x.permute(2, 1, 0)"),
    ("x.permute((0, 2, 1))", "x.permute((0, 1, 2))"),
])
def test_each_form_is_rewritten(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(ForwardShape, source)
    assert apply(ForwardShape, source, site) == TEMPLATE.format(after)


def test_chained_calls_get_one_site_each_at_the_method_name():
    before = dedent("""\
        def forward(self, x):
            h = self.conv(x).flatten(1).unsqueeze(-1)  # (B, F, 1)
            return h.permute(0, 2, 1)
    """)
    assert ids(before) == ["forward-shape:forward:0", "forward-shape:forward:1", "forward-shape:forward:2"]
    assert apply(ForwardShape, before, "forward-shape:forward:1") == before.replace("unsqueeze(-1)", "unsqueeze(0)")
    assert apply(ForwardShape, before, "forward-shape:forward:0") == before.replace("flatten(1)", "flatten()")


def test_leaves_other_shapes_and_the_demo_alone():
    source = dedent("""\
        import torch

        def forward(x, d):
            a = x.flatten()
            b = x.flatten(0)
            c = torch.flatten(x)
            e = x.view(-1)
            f = x.view(-1, 4)
            g = x.reshape(2, 3, -1)
            h = x.squeeze()
            i = x.unsqueeze(d)
            j = x.permute(1, 0)
            k = x.transpose(1, 2)
            l = torch.view(x, 3)
            return a, b, c, e, f, g, h, i, j, k, l

        if __name__ == "__main__":
            print(torch.zeros(2, 3).flatten(1).unsqueeze(0))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_rewrites_change_the_code():
    source = TEMPLATE.format("x.flatten(1), x.view(B, -1), x.squeeze(1), x.unsqueeze(1), x.permute(0, 2, 1)")
    found = sites(ForwardShape, source)
    assert len(found) == 5 and found == sites(ForwardShape, source)
    for site in found:
        mutated = apply(ForwardShape, source, site)
        assert mutated != source
        again = [s for s in sites(ForwardShape, mutated) if s.id == site.id]
        # flatten, view and squeeze lose their site; unsqueeze and permute rewrite the mutant
        # into something else again, never into itself.
        assert not again or apply(ForwardShape, mutated, site) != mutated
    with pytest.raises(SiteNotFound):
        apply(ForwardShape, source, "forward-shape:no_such_function:0")
