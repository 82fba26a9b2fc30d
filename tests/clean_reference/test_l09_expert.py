"""Level 09 reference against PyTorch: F.leaky_relu is the oracle, gradcheck the referee."""

import pytest
import torch
import torch.nn.functional as F

from clean_reference.l09_expert import LeakyReLU, LeakyReLUFunction, leaky_relu


def _with_zeros(*shape, dtype=torch.float32, seed=0):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    x.view(-1)[::4] = 0.0  # the kink, where the gradient is a convention
    return x


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3, 1.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_values_and_gradients_match_f_leaky_relu(slope, dtype):
    x = _with_zeros(3, 5, dtype=dtype).requires_grad_()
    oracle_x = x.detach().clone().requires_grad_()
    upstream = torch.randn(3, 5, generator=torch.Generator().manual_seed(1), dtype=dtype)
    out = leaky_relu(x, slope)
    expected = F.leaky_relu(oracle_x, slope)
    out.backward(upstream)
    expected.backward(upstream)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(x.grad, oracle_x.grad)
    assert out.dtype == dtype and out.shape == x.shape


def test_gradient_at_exactly_zero_is_the_slope():
    x = torch.zeros(4, requires_grad=True)
    leaky_relu(x, 0.25).sum().backward()
    assert x.grad.tolist() == [0.25] * 4


def test_default_slope_and_the_layer():
    x = _with_zeros(2, 3, 4)
    torch.testing.assert_close(leaky_relu(x), F.leaky_relu(x))
    torch.testing.assert_close(LeakyReLU()(x), F.leaky_relu(x))
    torch.testing.assert_close(LeakyReLU(0.2)(x), F.leaky_relu(x, 0.2))
    assert LeakyReLU(0.2).negative_slope == 0.2
    assert list(LeakyReLU().parameters()) == []
    assert "negative_slope=0.2" in repr(LeakyReLU(0.2))


def test_a_zero_dimensional_input():
    x = torch.tensor(-2.0, requires_grad=True)
    out = LeakyReLUFunction.apply(x, 0.5)
    out.backward()
    assert out.item() == -1.0 and x.grad.item() == 0.5


@pytest.mark.parametrize("slope", [0.0, 0.05, 1.0])
def test_gradcheck_in_float64(slope):
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    x = (x + 0.2 * x.sign()).requires_grad_()  # away from the kink
    assert torch.autograd.gradcheck(lambda t: leaky_relu(t, slope), (x,))
    assert torch.autograd.gradcheck(LeakyReLU(slope), (x,))


def test_the_layer_and_function_go_through_the_custom_function():
    x = torch.randn(2, 2, requires_grad=True)
    for out in (leaky_relu(x), LeakyReLU()(x), LeakyReLUFunction.apply(x, 0.01)):
        assert type(out.grad_fn)._forward_cls is LeakyReLUFunction
    assert type(F.leaky_relu(x).grad_fn).__name__ != type(leaky_relu(x).grad_fn).__name__


def test_backward_returns_no_gradient_for_the_slope():
    x = torch.randn(3, requires_grad=True)
    out = leaky_relu(x, 0.1)
    grads = out.grad_fn.apply(torch.ones(3))
    assert grads[1] is None and grads[0].shape == (3,)
