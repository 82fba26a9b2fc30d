"""Two small blocks that join information: a concatenation block and a conditional MLP.

A model often has to read two things about each sample at once: two groups of features
from different sources, or an input and a condition that says what kind of output is
wanted (a class label, a time step, a style). The simplest way to combine them is to put
the two vectors of each sample side by side, one longer vector, and let a linear layer
mix them. `ConcatBlock` is that idea alone; `ConditionalMLP` uses it to make a whole MLP
depend on a condition vector: the same input gives different outputs for different
conditions.

Shapes: every tensor is (B, features), one row per sample, B >= 1. Features are joined
along dim 1, so the rows of different samples never mix.
"""

import torch
from torch import nn


class ConcatBlock(nn.Module):
    """Join two feature vectors per sample, then one linear layer and a ReLU."""

    def __init__(self, a_features: int, b_features: int, out_features: int) -> None:
        """Hold one linear layer `linear`, from a_features + b_features to out_features.

        Weights are saved and loaded by name, so the layer must be called `linear`, with a
        bias, and read `a`'s features before `b`'s.
        """
        super().__init__()
        self.linear = nn.Linear(a_features + b_features, out_features)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(B, out_features) for a (B, a_features) and b (B, b_features).

        Each sample's output is ReLU(linear([a_i, b_i])): its own `a` row and `b` row side
        by side, `a` first. Any B, 1 included; the inputs are never modified.
        """
        joined = torch.cat([a, b], dim=1)  # (B, Fa + Fb): a's features, then b's
        return torch.relu(self.linear(joined))  # (B, out)


class ConditionalMLP(nn.Module):
    """A two-layer MLP whose output depends on a condition vector as well as on its input."""

    def __init__(self, in_features: int, cond_features: int, hidden_features: int,
                 out_features: int) -> None:
        """Hold `net`, a Sequential of Linear(in + cond, hidden), ReLU, Linear(hidden, out).

        Weights are saved and loaded by name (`net.0.weight`, `net.2.bias`, …); the first
        layer reads the input's features first, then the condition's. The last layer's
        output is returned as it is, with no activation after it.
        """
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features + cond_features, hidden_features),
            nn.ReLU(),
            nn.Linear(hidden_features, out_features),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """(B, out_features) for x (B, in_features) and cond (B, cond_features).

        Sample i's output depends on x[i] and cond[i] only, and gradients flow back into
        both, so whatever produced the condition (an embedding, another network) trains
        too. Any B, 1 included; the inputs are never modified.
        """
        # The condition is appended after the input's features, sample by sample.
        conditioned = torch.cat([x, cond], dim=1)  # (B, F + D)
        return self.net(conditioned)  # (B, out)


if __name__ == "__main__":
    torch.manual_seed(0)
    block = ConcatBlock(a_features=3, b_features=2, out_features=4)
    a, b = torch.randn(5, 3), torch.randn(5, 2)  # (B, Fa), (B, Fb)
    print("ConcatBlock:", tuple(a.shape), "+", tuple(b.shape), "->", tuple(block(a, b).shape))

    mlp = ConditionalMLP(in_features=3, cond_features=2, hidden_features=8, out_features=1)
    x = torch.randn(1, 3).expand(4, 3)  # (B, F): the same input four times
    cond = torch.linspace(-1.0, 1.0, 8).view(4, 2).requires_grad_()  # (B, D): four conditions
    y = mlp(x, cond)  # (B, 1)
    print("same input, different conditions ->", [round(v, 4) for v in y.flatten().tolist()])
    y.sum().backward()
    print("gradient reaching the condition:", cond.grad.shape, "nonzero:", bool(cond.grad.abs().sum() > 0))
