from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.target_shape import TargetShape


def ids(source):
    return [site.id for site in sites(TargetShape, source)]


BEFORE = dedent("""\
    def regression_loss(model, inputs, targets):
        predictions = model(inputs).squeeze(1)  # (N,)
        return F.mse_loss(predictions, targets)


    def flat(model, x, y):
        a = model(x).view(-1)
        b = torch.squeeze(model(x), -1)
        c = model(x).flatten()
        return criterion(a + b + c, y.float())
""")


def test_sites_are_the_flattening_calls_and_the_loss_targets():
    assert ids(BEFORE) == ["target-shape:regression_loss:0", "target-shape:regression_loss:1", "target-shape:flat:0",
                           "target-shape:flat:1", "target-shape:flat:2"]


def test_drops_the_squeeze_and_keeps_the_comment():
    assert apply(TargetShape, BEFORE, "target-shape:regression_loss:0") == BEFORE.replace(
        "model(inputs).squeeze(1)  # (N,)", "model(inputs)  # (N,)")


def test_unsqueezes_the_target_of_a_loss():
    assert apply(TargetShape, BEFORE, "target-shape:regression_loss:1") == BEFORE.replace(
        "F.mse_loss(predictions, targets)", "F.mse_loss(predictions, targets.unsqueeze(1))")


def test_drops_view_torch_squeeze_and_flatten():
    assert apply(TargetShape, BEFORE, "target-shape:flat:0") == BEFORE.replace(
        "model(x).view(-1)", "model(x)")
    assert apply(TargetShape, BEFORE, "target-shape:flat:1") == BEFORE.replace(
        "torch.squeeze(model(x), -1)", "model(x)")
    assert apply(TargetShape, BEFORE, "target-shape:flat:2") == BEFORE.replace(
        "model(x).flatten()", "model(x)")


def test_keyword_dims_bare_squeeze_and_parentheses():
    source = dedent("""\
        def f(model, x, target):
            a = (model(x)).squeeze(dim=-1)
            b = model(x).squeeze()
            return loss_fn(a + b, target=target)
    """)
    assert ids(source) == ["target-shape:f:0", "target-shape:f:1", "target-shape:f:2"]
    assert "a = (model(x))\n" in apply(TargetShape, source, "target-shape:f:0")
    assert "b = model(x)\n" in apply(TargetShape, source, "target-shape:f:1")
    assert "loss_fn(a + b, target=target.unsqueeze(1))" in apply(TargetShape, source, "target-shape:f:2")


def test_leaves_other_reshapes_losses_and_the_demo_alone():
    source = dedent("""\
        def f(x, y, inputs):
            a = x.squeeze(0)
            b = x.view(x.size(0), -1)
            c = x.flatten(1)
            d = x.reshape(-1, 4)
            e = torch.flatten(x, 1)
            x.squeeze(1)
            loss = loss_fn(a, inputs)
            loss.backward()
            return nn.MSELoss()(a, b), loss.item()

        if __name__ == "__main__":
            y = model(x).squeeze(1)
            print(loss_fn(y, targets))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(TargetShape, BEFORE)
    assert found == sites(TargetShape, BEFORE)
    for site in found:
        mutated = apply(TargetShape, BEFORE, site)
        compile(mutated, "<mutant>", "exec")
        assert len(sites(TargetShape, mutated)) == len(found) - 1
    with pytest.raises(SiteNotFound):
        apply(TargetShape, BEFORE, "target-shape:no_such_function:0")
