"""A second, independent solution of the clipping challenge: the global norm done by hand."""

import torch
from torch import nn


def train_step_clipped(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
                       loss_fn: nn.Module, max_norm: float,
                       device: torch.device) -> tuple[float, float]:
    """One step with the gradients' global norm capped at `max_norm`; (loss, norm before)."""
    inputs, targets = (t.to(device) for t in batch)  # (B, F), (B,)
    for parameter in model.parameters():
        parameter.grad = None  # this batch's gradients only
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    # The global norm: every gradient as one long vector.
    total = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))
    if total > max_norm:
        with torch.no_grad():
            for g in grads:
                g.mul_(max_norm / total.to(g.dtype))
    optimizer.step()
    return float(loss.detach()), float(total)
