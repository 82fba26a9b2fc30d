"""A second solution of classic 8: the rate read from the scheduler, losses summed as tensors."""

import torch
from torch import nn


def train(model: nn.Module, loader, optimizer: torch.optim.Optimizer, scheduler,
          loss_fn: nn.Module, epochs: int) -> list[dict]:
    """One row per epoch (epoch, lr, mean batch loss); the scheduler steps after each epoch."""
    rows = []
    for epoch in range(epochs):
        rate = scheduler.get_last_lr()[0]
        batch_losses = []
        for inputs, targets in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        scheduler.step()
        rows.append(dict(epoch=epoch, lr=float(rate), loss=torch.stack(batch_losses).mean().item()))
    return rows
