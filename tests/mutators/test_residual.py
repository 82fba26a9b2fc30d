from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.residual import Residual


def ids(source):
    return [site.id for site in sites(Residual, source)]


BEFORE = dedent("""\
    class EncoderBlock:
        def forward(self, x, mask=None):
            h = x + self.attn(self.ln1(x), mask=mask)  # (B, T, D)
            return h + self.ffn(self.ln2(h))
""")


def test_sites_drop_the_skip_or_take_it_from_the_block_before():
    assert ids(BEFORE) == ["residual:EncoderBlock.forward:0", "residual:EncoderBlock.forward:1", "residual:EncoderBlock.forward:2"]


@pytest.mark.parametrize("site, old, new", [
    ("residual:EncoderBlock.forward:0", "h = x + self.attn", "h = self.attn"),
    ("residual:EncoderBlock.forward:2", "return h + self.ffn(self.ln2(h))", "return self.ffn(self.ln2(h))"),
    ("residual:EncoderBlock.forward:1", "return h + self.ffn(self.ln2(h))", "return x + self.ffn(self.ln2(h))"),
])
def test_each_rewrite(site, old, new):
    assert apply(Residual, BEFORE, site) == BEFORE.replace(old, new)


CNN = dedent("""\
    class Basic:
        def forward(self, x):
            identity = x
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out = out + identity
            return F.relu(out)


    class Projected:
        def forward(self, x):
            shortcut = self.shortcut(x)
            out = self.conv2(F.relu(self.conv1(x)))
            out += shortcut
            return F.relu(out + self.downsample(x))


    class Plain:
        def forward(self, x):
            h = self.body(x)
            return x + h
""")


def test_cnn_blocks():
    rewrites = {site.id: apply(Residual, CNN, site) for site in sites(Residual, CNN)}
    assert rewrites == {
        "residual:Basic.forward:0": CNN.replace("        out = out + identity\n", ""),
        "residual:Projected.forward:0": CNN.replace("        out += shortcut\n", ""),
        "residual:Projected.forward:1": CNN.replace("out += shortcut", "out += x"),
        "residual:Projected.forward:2": CNN.replace("F.relu(out + self.downsample(x))", "F.relu(out)"),
        "residual:Plain.forward:0": CNN.replace("return x + h", "return h"),
    }


def test_the_shortcut_beats_a_branch_called_residual():
    source = "class B:\n    def forward(self, x):\n        return F.relu(self.residual_function(x) + self.shortcut(x))\n"
    [site] = sites(Residual, source)
    assert apply(Residual, source, site) == source.replace(" + self.shortcut(x)", "")


def test_a_branch_kept_in_a_variable():
    source = dedent("""\
        def forward(self, x):
            h = self.stem(x)
            residual = self.block(h)
            h = h + residual
            return h
    """)
    dropped = next(s for s in sites(Residual, source) if s.note == "skip dropped")
    assert apply(Residual, source, dropped) == source.replace("h = h + residual", "h = residual")


def test_augmented_skip_on_the_stream():
    source = "class B:\n    def forward(self, x):\n        x += self.mlp(self.ln(x))\n        return x\n"
    [site] = sites(Residual, source)
    assert apply(Residual, source, site) == source.replace("x += self.mlp", "x = self.mlp")


def test_leaves_sums_that_are_no_residual_alone():
    source = dedent("""\
        def total(losses, n):
            running = running + n
            count = count + 1
            return running

        class M:
            def forward(self, x, t):
                h = self.conv(x) + self.emb(t)[:, :, None, None]
                y = x + self.pos_embedding
                return h, y

        if __name__ == "__main__":
            print(x + model(x))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_compiles():
    for source in (BEFORE, CNN):
        found = sites(Residual, source)
        assert found == sites(Residual, source)
        for site in found:
            mutated = apply(Residual, source, site)
            assert mutated != source
            compile(mutated, "mutant.py", "exec")
    with pytest.raises(SiteNotFound):
        apply(Residual, BEFORE, "residual:no_such_function:0")
