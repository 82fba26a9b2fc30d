"""A learner's mistake: backward gives the local derivative on the negative side but forgets
to multiply it by the incoming gradient there (the chain rule applied on one branch only)."""

import torch
from torch import nn


class LeakyReLUFunction(torch.autograd.Function):
    """LeakyReLU as an autograd Function."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return torch.where(x > 0, x, negative_slope * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        slope = torch.full_like(grad_output, ctx.negative_slope)
        return torch.where(x > 0, grad_output, slope), None


def leaky_relu(x, negative_slope=0.01):
    """LeakyReLU through LeakyReLUFunction."""
    return LeakyReLUFunction.apply(x, negative_slope)


class LeakyReLU(nn.Module):
    """The layer form."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return leaky_relu(x, self.negative_slope)
