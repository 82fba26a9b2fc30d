"""A plausible wrong solution: the epoch loss is the mean of the batch means."""

import torch
from torch import nn


def train_one_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                    loss_fn: nn.Module, device: torch.device) -> float:
    model.train()
    batch_losses = []
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    # Wrong: a short last batch weighs as much as a full one.
    return sum(batch_losses) / len(batch_losses)
