from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.inplace import Inplace

TEMPLATE = "import torch\n\n\ndef f(x, y, self):\n    z = {}\n    return z\n"


def ids(source):
    return [site.id for site in sites(Inplace, source)]


@pytest.mark.parametrize("before, after", [
    ("torch.relu(x)", "x.relu_()"),
    ("F.relu(x)", "x.relu_()"),
    ("torch.nn.functional.relu(x)", "x.relu_()"),
    ("torch.sigmoid(self.h)", "self.h.sigmoid_()"),
    ("torch.tanh(x[0])", "x[0].tanh_()"),
    ("torch.exp(x - y)", "(x - y).exp_()"),
    ("x.relu()", "x.relu_()"),
    ("x.sigmoid()", "x.sigmoid_()"),
    ("x.tanh()", "x.tanh_()"),
    ("x.exp()", "x.exp_()"),
    ("x.add(y, alpha=2)", "x.add_(y, alpha=2)"),
    ("x.mul(y)", "x.mul_(y)"),
    ("x.div(y)", "x.div_(y)"),
    ("x.sub(y)", "x.sub_(y)"),
    ("x.clamp(min=0.0, max=1.0)", "x.clamp_(min=0.0, max=1.0)"),
])
def test_each_call_form_is_rewritten(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(Inplace, source)
    assert apply(Inplace, source, site) == TEMPLATE.format(after)


@pytest.mark.parametrize("before, after", [
    ("x = x + y", "x += y"),
    ("x = x - y * 2", "x -= y * 2"),
    ("self.h = self.h * y", "self.h *= y"),
    ("x = x / (y + 1)", "x /= (y + 1)"),
])
def test_self_assignment_becomes_augmented(before, after):
    source = f"def f(x, y, self):\n    {before}\n    return x\n"
    assert ids(source) == ["inplace:f:0"]
    expected = f"def f(x, y, self):\n    {after}\n    return x\n"
    assert apply(Inplace, source, "inplace:f:0") == expected


def test_sites_of_chained_and_nested_calls_are_distinct():
    before = dedent("""\
        def f(x, y):
            z = x.add(y).mul(2)
            return torch.exp(torch.sigmoid(z))
    """)
    assert ids(before) == ["inplace:f:0", "inplace:f:1", "inplace:f:2", "inplace:f:3"]
    assert apply(Inplace, before, "inplace:f:1") == dedent("""\
        def f(x, y):
            z = x.add(y).mul_(2)
            return torch.exp(torch.sigmoid(z))
    """)
    assert apply(Inplace, before, "inplace:f:3") == dedent("""\
        def f(x, y):
            z = x.add(y).mul(2)
            return torch.exp(z.sigmoid_())
    """)


def test_code_it_must_leave_alone():
    before = dedent("""\
        import re

        def f(x, y, seen, total):
            seen.add(x)
            a = torch.add(x, y)
            b = re.sub("a", "b", y)
            c = math.exp(y)
            d = torch.relu(x, inplace=True)
            x = y + x
            x[0] = x[0] + 1
            x = x + y + 1
            x.relu_()
            x += y
            return nn.ReLU()

        if __name__ == "__main__":
            z = torch.relu(torch.ones(2))
            z = z + 1
    """)
    assert ids(before) == []


def test_stable_and_idempotent():
    before = dedent("""\
        def forward(self, x):
            h = torch.relu(self.fc(x))
            h = h + self.skip(x)
            return h.sigmoid()
    """)
    first = sites(Inplace, before)
    assert first == sites(Inplace, before)
    assert [site.id for site in first] == ["inplace:forward:0", "inplace:forward:1", "inplace:forward:2"]
    for site in first:
        mutated = apply(Inplace, before, site)
        assert mutated != before
        assert (site.line, site.column) not in [(again.line, again.column) for again in sites(Inplace, mutated)]
    with pytest.raises(SiteNotFound):
        apply(Inplace, before, "inplace:no_such_function:0")


def test_a_layer_called_like_a_tensor_method_is_not_a_site():
    source = "def forward(self, x):\n    return self.relu(self.fc(x))\n"
    assert sites(Inplace, source) == []
