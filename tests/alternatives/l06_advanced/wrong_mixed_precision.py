"""Half fix: the gradients are unscaled by hand, but the optimizer steps itself.

`scaler.unscale_` makes the gradients right, so a step with finite gradients looks correct;
calling `optimizer.step()` directly bypasses the scaler's overflow test, so a step whose
gradients hold inf or NaN is applied instead of skipped, and the factor is never lowered.
"""

import torch
from torch import nn


def make_scaler(device: torch.device | str, dtype: torch.dtype) -> torch.amp.GradScaler:
    """A gradient scaler for `device`'s type, active only when `dtype` is float16."""
    return torch.amp.GradScaler(torch.device(device).type, enabled=dtype == torch.float16)


def train_step_amp(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
                   loss_fn: nn.Module, scaler: torch.amp.GradScaler,
                   device: torch.device | str, dtype: torch.dtype | None = None) -> float:
    """One autocast step; returns the unscaled loss."""
    device = torch.device(device)
    if dtype is None:
        dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    inputs, targets = (t.to(device) for t in batch)
    optimizer.zero_grad()
    with torch.autocast(device.type, dtype=dtype):
        loss = loss_fn(model(inputs), targets)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    optimizer.step()  # the mistake: steps even when a gradient overflowed
    scaler.update()
    return loss.item()
