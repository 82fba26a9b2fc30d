"""A correct ConcatBlock and ConditionalMLP written unlike the reference: no concatenation
at all in ConcatBlock (the weight is split by columns instead), hstack and a hand-run
Sequential in ConditionalMLP."""

import torch
from torch import nn
from torch.nn import functional as F


class ConcatBlock(nn.Module):
    """ReLU(linear([a, b])), computed as two matrix products on the weight's column blocks."""

    def __init__(self, a_features, b_features, out_features):
        super().__init__()
        self.split = a_features
        self.linear = nn.Linear(a_features + b_features, out_features)

    def forward(self, a, b):
        w_a, w_b = self.linear.weight[:, :self.split], self.linear.weight[:, self.split:]
        return F.relu(F.linear(a, w_a) + F.linear(b, w_b, self.linear.bias))


class ConditionalMLP(nn.Module):
    """Linear, ReLU, Linear on [x, cond], with the layers appended one by one."""

    def __init__(self, in_features, cond_features, hidden_features, out_features):
        super().__init__()
        self.net = nn.Sequential()
        self.net.append(nn.Linear(in_features + cond_features, hidden_features))
        self.net.append(nn.ReLU())
        self.net.append(nn.Linear(hidden_features, out_features))

    def forward(self, x, cond):
        h = torch.hstack((x, cond))
        for layer in self.net:
            h = layer(h)
        return h
