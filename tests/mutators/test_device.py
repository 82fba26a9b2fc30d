from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.device import Device

TEMPLATE = "import torch\n\n\ndef f(self, x, device):\n    return {}\n"


def ids(source):
    return [site.id for site in sites(Device, source)]


@pytest.mark.parametrize("before, after", [
    ("x.to(device)", "x"),
    ("x.to(self.device)", "x"),
    ("x.to(other.device)", "x"),
    ("x.to(train_device)", "x"),
    ("x.to(device=device)", "x"),
    ("x.to(device=\"cpu\")", "x"),
    ("x.to(device, non_blocking=True)", "x.to(non_blocking=True)"),
    ("x.to(device, torch.float32)", "x.to(torch.float32)"),
    ("x.to(dtype=torch.float32, device=device)", "x.to(dtype=torch.float32)"),
    ("torch.zeros(3, device=x.device)", "torch.zeros(3)"),
    ("torch.randn(2, 3, device=device, dtype=torch.float32)", "torch.randn(2, 3, dtype=torch.float32)"),
    ("torch.arange(4, device=device)", "torch.arange(4)"),
    ("nn.Linear(3, 4, device=device)", "nn.Linear(3, 4)"),
])
def test_each_form_is_rewritten(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(Device, source)
    assert apply(Device, source, site) == TEMPLATE.format(after)


def test_sites_are_the_device_arguments():
    before = dedent("""\
        def step(model, batch, device):
            model.to(device)
            x, y = batch
            return model(x.to(device)) + torch.ones(1, device=device)
    """)
    assert ids(before) == ["device:step:0", "device:step:1", "device:step:2"]
    assert apply(Device, before, "device:step:0") == dedent("""\
        def step(model, batch, device):
            model
            x, y = batch
            return model(x.to(device)) + torch.ones(1, device=device)
    """)
    assert apply(Device, before, "device:step:2") == dedent("""\
        def step(model, batch, device):
            model.to(device)
            x, y = batch
            return model(x.to(device)) + torch.ones(1)
    """)


def test_leaves_non_device_moves_own_functions_and_the_demo_alone():
    source = dedent("""\
        import torch

        def f(self, x, y, device):
            a = torch.device("cpu")
            b = x.to(torch.float32)
            c = x.to(y)
            d = x.to("cuda")
            e = x.to(torch.device("cpu"))
            g = train_one_epoch(x, device=device)
            h = self.evaluate(x, device=device)
            return torch.zeros(3), a, b, c, d, e, g, h

        if __name__ == "__main__":
            x = torch.zeros(2, device="cpu").to(device)
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    source = TEMPLATE.format("x.to(device), x.to(device, non_blocking=True), torch.ones(1, device=device)")
    found = sites(Device, source)
    assert len(found) == 3 and found == sites(Device, source)
    for site in found:
        mutated = apply(Device, source, site)
        assert mutated != source
        assert (site.line, site.column) not in [(s.line, s.column) for s in sites(Device, mutated)]
    with pytest.raises(SiteNotFound):
        apply(Device, source, "device:no_such_function:0")


def test_a_self_move_loses_its_whole_line():
    before = dedent("""\
        def step(x, y, device):
            x = x.to(device)  # (B, F)
            y = y.to(device=device)
            return x, y
    """)
    assert ids(before) == ["device:step:0", "device:step:1"]
    assert apply(Device, before, "device:step:0") == dedent("""\
        def step(x, y, device):
            y = y.to(device=device)
            return x, y
    """)
