"""A second, independent solution of the accumulation challenge: groups first, gradients averaged after."""

import torch
from torch import nn


def train_epoch_accumulated(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                            loss_fn: nn.Module, accum_steps: int, device: torch.device) -> float:
    """One step per group of `accum_steps` batches, each the mean gradient of its group."""
    model.train(mode=True)
    batches = list(loader)
    groups = [batches[start:start + accum_steps] for start in range(0, len(batches), accum_steps)]
    weighted_losses, samples = [], 0
    for group in groups:
        model.zero_grad(set_to_none=True)  # earlier groups and callers leave nothing behind
        for inputs, targets in group:
            inputs, targets = inputs.to(device), targets.to(device)  # (B, F), (B,)
            loss = loss_fn(model(inputs), targets)  # mean over the batch
            loss.backward()  # the plain sum of the group's gradients, averaged below
            weighted_losses.append(loss.item() * len(targets))
            samples += len(targets)
        with torch.no_grad():
            for parameter in model.parameters():
                if parameter.grad is not None:
                    parameter.grad.div_(len(group))  # sum -> mean over the group's batches
        optimizer.step()
    return sum(weighted_losses) / samples
