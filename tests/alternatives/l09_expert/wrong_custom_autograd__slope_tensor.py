"""A plausible wrong LeakyReLU: the slope becomes a tensor of x's shape built with
torch.full, which makes float32 on the CPU whatever x is: half-precision inputs come back
float32, and a CUDA (or meta) input meets a CPU tensor."""

import torch
from torch import nn


class LeakyReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        slope = torch.full(x.shape, negative_slope)
        ctx.save_for_backward(x, slope)
        return torch.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, grad_output):
        x, slope = ctx.saved_tensors
        return torch.where(x > 0, grad_output, grad_output * slope), None


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLUFunction.apply(x, negative_slope)


class LeakyReLU(nn.Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return LeakyReLUFunction.apply(x, self.negative_slope)
