from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.cat_dim import CatDim

TEMPLATE = "import torch\n\n\ndef f(a, b, dim):\n    return {}\n"


def ids(source):
    return [site.id for site in sites(CatDim, source)]


@pytest.mark.parametrize("before, after", [
    ("torch.cat([a, b], dim=1)", "torch.cat([a, b], dim=0)"),
    ("torch.cat([a, b], dim=-1)", "torch.cat([a, b], dim=0)"),
    ("torch.cat([a, b], 1)", "torch.cat([a, b], 0)"),
    ("torch.cat((a, b), 0)", "torch.cat((a, b), 1)"),
    ("torch.concat([a, b], dim=0)", "torch.concat([a, b], dim=1)"),
    ("torch.concatenate([a, b], axis=0)", "torch.concatenate([a, b], axis=1)"),
    ("torch.stack([a, b])", "torch.stack([a, b], dim=1)"),
    ("torch.stack([a, b], dim=2)", "torch.stack([a, b], dim=0)"),
    ("torch.cat([a, b], out=a)", "torch.cat([a, b], out=a, dim=1)"),
])
def test_each_form_is_rewritten(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(CatDim, source)
    assert apply(CatDim, source, site) == TEMPLATE.format(after)


def test_site_is_the_function_name_and_a_trailing_comma_survives():
    before = dedent("""\
        def join(a, b):
            return torch.cat(
                [a, torch.stack([a, b], dim=1)],
            )
    """)
    assert ids(before) == ["cat-dim:join:0", "cat-dim:join:1"]
    assert apply(CatDim, before, "cat-dim:join:0") == dedent("""\
        def join(a, b):
            return torch.cat(
                [a, torch.stack([a, b], dim=1)], dim=1,
            )
    """)
    assert apply(CatDim, before, "cat-dim:join:1") == dedent("""\
        def join(a, b):
            return torch.cat(
                [a, torch.stack([a, b], dim=0)],
            )
    """)


def test_leaves_unreadable_dims_other_functions_and_the_demo_alone():
    source = dedent("""\
        import torch

        def f(a, b, dim, parts):
            return (torch.cat([a, b], dim=dim), torch.cat(*parts), torch.hstack([a, b]),
                    torch.add(a, b), cat([a, b], 1))

        if __name__ == "__main__":
            print(torch.cat([torch.ones(1), torch.zeros(1)], dim=0))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_rewrites_never_repeat():
    source = TEMPLATE.format("torch.cat([a, b], dim=1), torch.stack([a, b]), torch.cat([a, b], 0)")
    found = sites(CatDim, source)
    assert len(found) == 3 and found == sites(CatDim, source)
    for site in found:
        mutated = apply(CatDim, source, site)
        assert mutated != source
        [again] = [s for s in sites(CatDim, mutated) if s.id == site.id]
        assert again.note != site.note  # the mutant's dim is never rewritten the same way
    with pytest.raises(SiteNotFound):
        apply(CatDim, source, "cat-dim:no_such_function:0")
