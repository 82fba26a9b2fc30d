"""A plausible wrong solution: a step only every `accum_steps` batches, so a short last group is lost."""

import torch
from torch import nn


def train_epoch_accumulated(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                            loss_fn: nn.Module, accum_steps: int, device: torch.device) -> float:
    model.train()
    optimizer.zero_grad()
    total_loss, total_samples = 0.0, 0
    for index, (inputs, targets) in enumerate(loader):
        inputs, targets = inputs.to(device), targets.to(device)
        loss = loss_fn(model(inputs), targets)
        (loss / accum_steps).backward()
        if (index + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
        # Wrong: when len(loader) is not a multiple of accum_steps, the last gradients are never used.
        total_loss += loss.item() * inputs.size(0)
        total_samples += inputs.size(0)
    return total_loss / total_samples
