"""A custom autograd Function: LeakyReLU with a hand-written backward.

Autograd records every tensor operation and differentiates the graph for you. A
`torch.autograd.Function` replaces that for one step: `forward` computes the output and
stores, on `ctx`, what the gradient will need; `backward` receives dL/d(output) and returns
dL/d(input) for each input of `forward`, in order (None for inputs that are not tensors
needing gradients, such as a float hyper-parameter).

LeakyReLU(x) = x where x > 0, negative_slope * x elsewhere. Its derivative is 1 where x > 0
and negative_slope elsewhere; at the kink x = 0 we take negative_slope, as PyTorch's own
`F.leaky_relu` does. The chain rule multiplies that local derivative by the incoming
gradient: grad_x = grad_output * (1 or negative_slope).

Shapes: any; the output and every gradient have the shape of x.
"""

import torch
from torch import nn


class LeakyReLUFunction(torch.autograd.Function):
    """LeakyReLU as an autograd Function: call it as `LeakyReLUFunction.apply(x, negative_slope)`.

    The forward gives `x` where x > 0 and `negative_slope * x` elsewhere. The backward
    gives `grad_output` where x > 0 and `grad_output * negative_slope` elsewhere (x = 0
    included, as in `F.leaky_relu`), and no gradient for `negative_slope`.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, negative_slope: float) -> torch.Tensor:
        """Compute LeakyReLU(x) and keep on `ctx` what `backward` needs."""
        ctx.save_for_backward(x)  # tensors go through save_for_backward, so autograd checks them
        ctx.negative_slope = negative_slope  # a plain float is stored as an attribute
        return torch.where(x > 0, x, x * negative_slope)  # same shape as x

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        """Return one gradient per input of `forward`: (grad of x, None for negative_slope)."""
        (x,) = ctx.saved_tensors  # same shape as grad_output
        grad_x = torch.where(x > 0, grad_output, grad_output * ctx.negative_slope)
        return grad_x, None


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    """LeakyReLU of `x` through `LeakyReLUFunction`: same values and gradients as `F.leaky_relu`."""
    return LeakyReLUFunction.apply(x, negative_slope)


class LeakyReLU(nn.Module):
    """A layer applying `leaky_relu` with a fixed `negative_slope` (default 0.01); no parameters."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        """Remember `negative_slope` as `self.negative_slope`."""
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply LeakyReLU elementwise through the custom Function; the output has x's shape."""
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        """Shown by print(model): `negative_slope=0.01`."""
        return f"negative_slope={self.negative_slope}"


if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)  # (5,)
    layer = LeakyReLU(0.1)
    out = layer(x)  # (5,)
    out.sum().backward()
    print(layer)
    print("x:        ", x.tolist())
    print("output:   ", [round(v, 3) for v in out.tolist()])
    print("gradient: ", [round(v, 3) for v in x.grad.tolist()])
    print("grad_fn:  ", type(out.grad_fn).__name__)
    x64 = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)  # (4, 3)
    print("gradcheck:", torch.autograd.gradcheck(lambda t: leaky_relu(t, 0.2), (x64,)))
