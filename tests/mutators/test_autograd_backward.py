from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.autograd_backward import AutogradBackward


def ids(source):
    return [site.id for site in sites(AutogradBackward, source)]


BEFORE = dedent("""\
    class Clamp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, low, high):
            ctx.save_for_backward(x)  # the input decides the mask
            ctx.low, ctx.high = low, high
            return x.clamp(low, high)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            inside = (x >= ctx.low) & (x <= ctx.high)
            grad_x = torch.where(inside, grad_output, torch.zeros_like(grad_output))
            return grad_x, None, None
""")


def test_sites_are_the_save_the_comparisons_the_where_and_the_return():
    assert ids(BEFORE) == ["autograd-backward:Clamp.forward:0", "autograd-backward:Clamp.backward:0", "autograd-backward:Clamp.backward:1",
                           "autograd-backward:Clamp.backward:2", "autograd-backward:Clamp.backward:3"]


def test_deletes_save_for_backward_with_its_comment():
    assert apply(AutogradBackward, BEFORE, "autograd-backward:Clamp.forward:0") == BEFORE.replace(
        "        ctx.save_for_backward(x)  # the input decides the mask\n", "")


def test_toggles_a_comparison_between_strict_and_loose():
    assert apply(AutogradBackward, BEFORE, "autograd-backward:Clamp.backward:0") == BEFORE.replace(
        "(x >= ctx.low)", "(x > ctx.low)")
    assert apply(AutogradBackward, BEFORE, "autograd-backward:Clamp.backward:1") == BEFORE.replace(
        "(x <= ctx.high)", "(x < ctx.high)")


def test_swaps_the_branches_of_where():
    assert apply(AutogradBackward, BEFORE, "autograd-backward:Clamp.backward:2") == BEFORE.replace(
        "torch.where(inside, grad_output, torch.zeros_like(grad_output))",
        "torch.where(inside, torch.zeros_like(grad_output), grad_output)")


def test_returns_one_gradient_fewer():
    assert apply(AutogradBackward, BEFORE, "autograd-backward:Clamp.backward:3") == BEFORE.replace(
        "return grad_x, None, None", "return grad_x, None")
    two = BEFORE.replace("return grad_x, None, None", "return grad_x, None")
    assert apply(AutogradBackward, two, "autograd-backward:Clamp.backward:3") == BEFORE.replace(
        "return grad_x, None, None", "return grad_x")


def test_leaves_plain_code_nested_functions_and_the_demo_alone():
    source = dedent("""\
        class Model(nn.Module):
            def forward(self, x):
                self.save_for_backward(x)
                return torch.where(x > 0, x, -x), x

            def backward(self, grad):
                return torch.where(grad > 0, grad, 0), None


        class Square(Function):
            @staticmethod
            def backward(ctx, grad_output):
                def helper(t):
                    return torch.where(t > 0, t, 0), t
                return helper(grad_output)

        if __name__ == "__main__":
            class Demo(torch.autograd.Function):
                @staticmethod
                def backward(ctx, g):
                    return torch.where(g > 0, g, 0), None
    """)
    assert ids(source) == []


def test_sites_are_stable_and_swaps_undo_themselves():
    found = sites(AutogradBackward, BEFORE)
    assert found == sites(AutogradBackward, BEFORE)
    for site in found:
        mutated = apply(AutogradBackward, BEFORE, site)
        assert mutated != BEFORE
        if site.line in (11, 12):  # toggles and swaps: the site stays, and a second one restores
            assert apply(AutogradBackward, mutated, site) == BEFORE
    deleted = apply(AutogradBackward, BEFORE, "autograd-backward:Clamp.forward:0")
    assert len(sites(AutogradBackward, deleted)) == len(found) - 1
    shortest = apply(AutogradBackward, BEFORE.replace(", None, None", ", None"), "autograd-backward:Clamp.backward:3")
    assert "autograd-backward:Clamp.backward:3" not in ids(shortest)
    with pytest.raises(SiteNotFound):
        apply(AutogradBackward, BEFORE, "autograd-backward:no_such_function:0")
