"""A plausible wrong solution: a hand-written MSE that lets (N, 1) broadcast against (N,)."""

import torch
from torch import nn


def regression_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return ((model(inputs) - targets) ** 2).mean()


def train(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
          epochs: int, lr: float) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = regression_loss(model, inputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
