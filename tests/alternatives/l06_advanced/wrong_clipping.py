"""A plausible wrong solution: each parameter's gradient is clipped on its own."""

import torch
from torch import nn


def train_step_clipped(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
                       loss_fn: nn.Module, max_norm: float,
                       device: torch.device) -> tuple[float, float]:
    inputs, targets = batch
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    norms = []
    for parameter in model.parameters():
        # Wrong: a norm per tensor changes the step's direction, not only its size.
        norms.append(nn.utils.clip_grad_norm_([parameter], max_norm))
    optimizer.step()
    return loss.item(), torch.stack(norms).norm().item()
