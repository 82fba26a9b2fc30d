from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.attention import Attention


def ids(source):
    return [site.id for site in sites(Attention, source)]


BEFORE = dedent("""\
    import math


    def attention(q, k, v, mask):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (B, h, T_q, T_k)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(dim=-1)
        return weights @ v


    def heads(self, x, out, B, T, D):
        q = self.q_proj(x).view(B, T, self.h, self.d_k).transpose(1, 2)  # (B, h, T, d_k)
        return out.transpose(1, 2).reshape(B, T, D)
""")


def test_sites_are_scale_mask_softmax_split_and_merge():
    assert ids(BEFORE) == ["attention:attention:0", "attention:attention:1", "attention:attention:2",
                           "attention:heads:0", "attention:heads:1"]


@pytest.mark.parametrize("site, old, new", [
    ("attention:attention:0", "q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))", "q @ k.transpose(-2, -1)"),
    ("attention:attention:1", "masked_fill(~mask,", "masked_fill(mask,"),
    ("attention:attention:2", "softmax(dim=-1)", "softmax(dim=-2)"),
    ("attention:heads:0", "view(B, T, self.h, self.d_k).transpose(1, 2)", "view(B, self.h, T, self.d_k)"),
    ("attention:heads:1", "out.transpose(1, 2).reshape(B, T, D)", "out.reshape(B, T, D)"),
])
def test_each_rewrite(site, old, new):
    assert apply(Attention, BEFORE, site) == BEFORE.replace(old, new)


@pytest.mark.parametrize("before, after", [
    ("att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))", "att = q @ k.transpose(-2, -1)"),
    ("att = torch.matmul(q, k.mT) * self.scale", "att = torch.matmul(q, k.mT)"),
    ("att = q @ k.mT * d_k ** -0.5", "att = q @ k.mT"),
    ("att = att.masked_fill(self.bias[:, :, :T, :T] == 0, -1e9)", "att = att.masked_fill(self.bias[:, :, :T, :T] != 0, -1e9)"),
    ("att = att.masked_fill(pad_mask, -1e9)", "att = att.masked_fill(~pad_mask, -1e9)"),
    ("att = att.masked_fill(mask.logical_not(), -1e9)", "att = att.masked_fill(mask, -1e9)"),
    ("att = torch.where(mask, att, -1e9)", "att = torch.where(mask, -1e9, att)"),
    ("att = F.softmax(att, dim=-1)", "att = F.softmax(att, dim=-2)"),
    ("att = torch.softmax(scores, 3)", "att = torch.softmax(scores, 2)"),
    ("y = y.transpose(1, 2).contiguous().view(B, T, C)", "y = y.contiguous().view(B, T, C)"),
    ("q = q.reshape(B, T, nh, hs).permute(0, 2, 1, 3)", "q = q.reshape(B, nh, T, hs)"),
])
def test_other_spellings(before, after):
    source = f"def f(q, k, att, y, mask, pad_mask, scores):\n    {before}\n    return att\n"
    [site] = sites(Attention, source)
    assert apply(Attention, source, site) == f"def f(q, k, att, y, mask, pad_mask, scores):\n    {after}\n    return att\n"


def test_a_scaling_line_goes_whole():
    source = "def f(scores, d_k):\n    scores /= math.sqrt(d_k)\n    return scores\n"
    [site] = sites(Attention, source)
    assert apply(Attention, source, site) == "def f(scores, d_k):\n    return scores\n"


def test_leaves_other_code_and_the_demo_alone():
    source = dedent("""\
        def f(x, var, logits, image):
            a = (x - x.mean()) / (var + 1e-5).sqrt()
            b = x.softmax(dim=-1)
            c = image.view(B, C, H, W).transpose(2, 3)
            d = x.transpose(0, 1).reshape(-1)
            e = logits.softmax(dim)
            return a, b, c, d, e

        if __name__ == "__main__":
            print(scores.softmax(dim=-1), q @ k.mT / math.sqrt(4))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(Attention, BEFORE)
    assert found == sites(Attention, BEFORE)
    for site in found:
        mutated = apply(Attention, BEFORE, site)
        assert mutated != BEFORE
        compile(mutated, "mutant.py", "exec")
    with pytest.raises(SiteNotFound):
        apply(Attention, BEFORE, "attention:no_such_function:0")
