from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.loss_input import LossInput

TEMPLATE = "def f(model, x, y, z, loss_fn, self):\n    loss = {}\n    return loss\n"


def ids(source):
    return [site.id for site in sites(LossInput, source)]


@pytest.mark.parametrize("before, after", [
    ("loss_fn(model(x), y)", "loss_fn(model(x).softmax(dim=-1), y)"),
    ("self.criterion(z, y)", "self.criterion(z.softmax(dim=-1), y)"),
    ("F.cross_entropy(z + 1, y, reduction='sum')",
     "F.cross_entropy((z + 1).softmax(dim=-1), y, reduction='sum')"),
    ("F.nll_loss(z, y)", "F.nll_loss(z.softmax(dim=-1), y)"),
    ("F.binary_cross_entropy_with_logits(z, y)",
     "F.binary_cross_entropy_with_logits(z.sigmoid(), y)"),
    ("bce_loss(z, y)", "bce_loss(z.sigmoid(), y)"),
])
def test_each_form_is_rewritten(before, after):
    source = TEMPLATE.format(before)
    [site] = sites(LossInput, source)
    assert site.id == "loss-input:f:0"
    assert apply(LossInput, source, site) == TEMPLATE.format(after)


def test_code_it_must_leave_alone():
    before = dedent("""\
        def f(model, x, y, loss_fn):
            criterion = nn.CrossEntropyLoss()
            out = loss(x)
            loss.backward()
            value = loss.item()
            losses.append(value)
            keyword_only = loss_fn(input=x, target=y)
            no_args = loss_fn()

        if __name__ == "__main__":
            print(loss_fn(model(x), y))
    """)
    assert ids(before) == []


def test_stable_and_idempotent():
    before = dedent("""\
        def step(model, criterion, x, y):
            logits = model(x)
            loss = criterion(logits, y)
            loss.backward()
            return loss.item()
    """)
    first = sites(LossInput, before)
    assert first == sites(LossInput, before)
    assert [site.id for site in first] == ["loss-input:step:0"]
    mutated = apply(LossInput, before, first[0])
    assert "criterion(logits.softmax(dim=-1), y)" in mutated
    # The rewrite is still a loss call, so the site remains; applying it again wraps twice.
    assert apply(LossInput, mutated, first[0]).count("softmax") == 2
    with pytest.raises(SiteNotFound):
        apply(LossInput, before, "loss-input:no_such_function:0")
