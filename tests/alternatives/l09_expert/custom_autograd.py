"""LeakyReLU with a hand-written backward, written unlike the reference: clamps in forward,
a saved boolean mask instead of the input, and an arithmetic blend instead of torch.where."""

import torch


class LeakyReLUFunction(torch.autograd.Function):
    """LeakyReLU whose backward scales the incoming gradient by 1 or negative_slope."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.slope = float(negative_slope)
        return x.clamp(min=0) + x.clamp(max=0) * negative_slope

    @staticmethod
    def backward(ctx, grad_output):
        positive, = ctx.saved_tensors
        scale = positive.to(grad_output.dtype) * (1.0 - ctx.slope) + ctx.slope
        return scale * grad_output, None


def leaky_relu(x, negative_slope=0.01):
    """LeakyReLU through LeakyReLUFunction."""
    return LeakyReLUFunction.apply(x, negative_slope)


class LeakyReLU(torch.nn.Module):
    """The layer form."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.slope = negative_slope

    def forward(self, x):
        return LeakyReLUFunction.apply(x, self.slope)
