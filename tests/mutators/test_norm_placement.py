from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.norm_placement import NormPlacement


def ids(source):
    return [site.id for site in sites(NormPlacement, source)]


BEFORE = dedent("""\
    class Block:
        def forward(self, x, mask=None):
            h = x + self.attn(self.ln1(x), mask=mask)  # (B, T, D)
            return h + self.ffn(self.ln2(h))
""")


def test_two_sites_per_residual_line():
    assert ids(BEFORE) == ["norm-placement:Block.forward:0", "norm-placement:Block.forward:1",
                           "norm-placement:Block.forward:2", "norm-placement:Block.forward:3"]


@pytest.mark.parametrize("site, old, new", [
    ("norm-placement:Block.forward:1", "x + self.attn(self.ln1(x), mask=mask)", "self.ln1(x + self.attn(x, mask=mask))"),
    ("norm-placement:Block.forward:0", "x + self.attn(self.ln1(x), mask=mask)", "self.ln1(x) + self.attn(self.ln1(x), mask=mask)"),
    ("norm-placement:Block.forward:3", "h + self.ffn(self.ln2(h))", "self.ln2(h + self.ffn(h))"),
    ("norm-placement:Block.forward:2", "h + self.ffn(self.ln2(h))", "self.ln2(h) + self.ffn(self.ln2(h))"),
])
def test_post_ln_and_a_normalised_stream(site, old, new):
    assert apply(NormPlacement, BEFORE, site) == BEFORE.replace(old, new)


def test_augmented_and_mirrored_forms():
    source = dedent("""\
        def forward(self, x, memory):
            x += self.mlp(self.norm_2(x))
            y = self.drop(self.ff(self.ln(x))) + x
            return x + self.cross(self.ln3(x), self.ln3(x), memory)
    """)
    rewrites = {site.note: apply(NormPlacement, source, site) for site in sites(NormPlacement, source)
                if site.line == 2}
    assert set(rewrites.values()) == {
        source.replace("x += self.mlp(self.norm_2(x))", "x = self.norm_2(x + self.mlp(x))"),
        source.replace("x += self.mlp(self.norm_2(x))", "x = self.norm_2(x) + self.mlp(self.norm_2(x))"),
    }
    [post] = [apply(NormPlacement, source, s) for s in sites(NormPlacement, source) if s.line == 3 and "Post" in s.note]
    assert "y = self.ln(self.drop(self.ff(x)) + x)" in post
    [cross] = [apply(NormPlacement, source, s) for s in sites(NormPlacement, source) if s.line == 4 and "Post" in s.note]
    assert "return self.ln3(x + self.cross(x, x, memory))" in cross


def test_leaves_post_ln_and_other_sums_alone():
    source = dedent("""\
        def forward(self, x, h):
            x = self.ln1(x + self.attn(x))
            y = x + self.ffn(h)
            z = self.norm(x) + 1
            w = h + self.f(self.ln(x))
            return x, y, z, w
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(NormPlacement, BEFORE)
    assert found == sites(NormPlacement, BEFORE)
    for site in found:
        mutated = apply(NormPlacement, BEFORE, site)
        compile(mutated, "mutant.py", "exec")
        assert len(sites(NormPlacement, mutated)) == len(found) - 2  # that line is no Pre-LN line now
    with pytest.raises(SiteNotFound):
        apply(NormPlacement, BEFORE, "norm-placement:no_such_function:0")
