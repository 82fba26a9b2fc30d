"""A learner's mistake no mutator makes: the condition is put before the input, so the
first layer reads each feature with the weight meant for another one."""

import torch
from torch import nn


class ConcatBlock(nn.Module):
    """Correct."""

    def __init__(self, a_features, b_features, out_features):
        super().__init__()
        self.linear = nn.Linear(a_features + b_features, out_features)

    def forward(self, a, b):
        return torch.relu(self.linear(torch.cat([a, b], dim=1)))


class ConditionalMLP(nn.Module):
    """The condition comes first: the weights loaded by name no longer line up."""

    def __init__(self, in_features, cond_features, hidden_features, out_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features + cond_features, hidden_features), nn.ReLU(),
                                 nn.Linear(hidden_features, out_features))

    def forward(self, x, cond):
        return self.net(torch.cat([cond, x], dim=1))
