"""A correct LeakyReLU that builds a per-element factor: 1 where x > 0, the slope elsewhere,
made with x's own dtype and device (`torch.where` on Python scalars), saved for backward."""

import torch
from torch import nn


class LeakyReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        factor = torch.where(x > 0, 1.0, negative_slope).to(x.dtype)
        ctx.save_for_backward(factor)
        return x * factor

    @staticmethod
    def backward(ctx, grad_output):
        (factor,) = ctx.saved_tensors
        return grad_output * factor, None


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLUFunction.apply(x, negative_slope)


class LeakyReLU(nn.Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return leaky_relu(x, self.negative_slope)
