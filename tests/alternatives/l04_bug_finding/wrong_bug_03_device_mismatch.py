"""A plausible wrong solution: the loss is returned as a Python float, not as a tensor on the device."""

import torch
from torch import nn


def train_step(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
               loss_fn: nn.Module, device: torch.device):
    inputs, targets = batch
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
