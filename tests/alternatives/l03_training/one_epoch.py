"""A second, independent solution of the one-epoch challenge (different idioms from the reference)."""

import torch
from torch import nn


def train_one_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                    loss_fn: nn.Module, device: torch.device) -> float:
    """One pass over `loader`; the sample-weighted mean loss as a Python float."""
    model.train(True)
    optimizer.zero_grad(set_to_none=True)  # nothing from an earlier caller reaches a step
    loss_sum = torch.zeros((), device=device)  # summed on the device, read once at the end
    seen = 0
    for batch in loader:
        inputs, targets = (t.to(device=device) for t in batch)  # (B, F), (B,)
        loss = loss_fn(model(inputs), targets)  # mean over the batch
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)  # ready for the next batch
        loss_sum += loss.detach() * targets.shape[0]
        seen += targets.shape[0]
    return float(loss_sum) / seen
