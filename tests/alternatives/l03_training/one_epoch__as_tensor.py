"""One epoch that moves each batch with `torch.as_tensor(..., device=...)`: as good a move
as `.to(device)`, and the device check must accept it."""

import torch
from torch import nn


def train_one_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                    loss_fn: nn.Module, device: torch.device) -> float:
    """One pass over `loader`; the sample-weighted mean loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs = torch.as_tensor(inputs, device=device)  # (B, F)
        targets = torch.empty_like(targets, device=device).copy_(targets)  # (B,)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / count
