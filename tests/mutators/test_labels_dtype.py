from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.labels_dtype import LabelsDtype

TEMPLATE = "import torch\n\n\ndef f(x, y, device):\n    return {}\n"


def ids(source):
    return [site.id for site in sites(LabelsDtype, source)]


@pytest.mark.parametrize("before, after", [
    ("y.long()", "y"),
    ("batch[1].long()", "batch[1]"),
    ("y.to(torch.int64)", "y"),
    ("y.to(torch.long)", "y"),
    ("y.to(dtype=torch.long)", "y"),
    ("y.to(device, torch.int64)", "y.to(device)"),
    ("y.to(device, dtype=torch.long)", "y.to(device)"),
    ("y.to(dtype=torch.long, device=device)", "y.to(device=device)"),
    ("torch.tensor([0, 1], dtype=torch.long)", "torch.tensor([0, 1], dtype=torch.float32)"),
    ("torch.as_tensor(y, dtype=torch.int64)", "torch.as_tensor(y, dtype=torch.float32)"),
    ("torch.zeros(3, dtype=torch.long, device=device)",
     "torch.zeros(3, dtype=torch.float32, device=device)"),
])
def test_each_form_is_rewritten(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(LabelsDtype, source)
    assert apply(LabelsDtype, source, site) == TEMPLATE.format(after)


def test_sites_point_at_the_method_or_the_dtype_argument():
    before = dedent("""\
        def load(batch, device):
            x, y = batch
            return x.to(device), y.long().to(device, torch.long)
    """)
    assert ids(before) == ["labels-dtype:load:0", "labels-dtype:load:1"]
    assert apply(LabelsDtype, before, "labels-dtype:load:0") == dedent("""\
        def load(batch, device):
            x, y = batch
            return x.to(device), y.to(device, torch.long)
    """)
    assert apply(LabelsDtype, before, "labels-dtype:load:1") == dedent("""\
        def load(batch, device):
            x, y = batch
            return x.to(device), y.long().to(device)
    """)


def test_leaves_other_conversions_and_the_demo_alone():
    source = dedent("""\
        import torch

        def f(x, y):
            a = x.float()
            b = x.to(torch.float32)
            c = torch.zeros(3, dtype=torch.float64)
            d = y.long(1)
            e = f(torch.long)
            return a, b, c, d, e

        if __name__ == "__main__":
            print(torch.tensor([1]).long(), torch.zeros(2, dtype=torch.long))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    source = TEMPLATE.format("(y.long(), y.to(torch.long), torch.tensor([1], dtype=torch.long))")
    found = sites(LabelsDtype, source)
    assert len(found) == 3 and found == sites(LabelsDtype, source)
    for site in found:
        mutated = apply(LabelsDtype, source, site)
        assert mutated != source
        assert (site.line, site.column) not in [(s.line, s.column) for s in sites(LabelsDtype, mutated)]
    with pytest.raises(SiteNotFound):
        apply(LabelsDtype, source, "labels-dtype:no_such_function:0")
