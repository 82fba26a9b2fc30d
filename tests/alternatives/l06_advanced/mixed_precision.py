"""Alternative mixed-precision step: explicit unscale, context-manager bookkeeping, set_to_none=False."""

import torch
from torch import nn


def make_scaler(device: torch.device | str, dtype: torch.dtype) -> torch.amp.GradScaler:
    """A gradient scaler for `device`'s type, active only when `dtype` is float16."""
    kind = device.type if isinstance(device, torch.device) else str(device).split(":")[0]
    needs_scaling = dtype is torch.float16
    return torch.amp.GradScaler(device=kind, enabled=needs_scaling)


def _default_half(device_type: str) -> torch.dtype:
    return {"cuda": torch.float16}.get(device_type, torch.bfloat16)


def train_step_amp(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
                   loss_fn: nn.Module, scaler: torch.amp.GradScaler,
                   device: torch.device | str, dtype: torch.dtype | None = None) -> float:
    """One autocast step; returns the unscaled loss."""
    target_device = torch.device(device)
    half = dtype if dtype is not None else _default_half(target_device.type)
    x, y = (t.to(target_device) for t in batch)
    for group in optimizer.param_groups:  # clear stale gradients, keeping the buffers
        for p in group["params"]:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()
    autocast = torch.autocast(target_device.type, dtype=half)
    autocast.__enter__()
    try:
        loss = loss_fn(model(x), y)
    finally:
        autocast.__exit__(None, None, None)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)  # explicit: true gradients before the (possibly skipped) step
    scaler.step(optimizer)
    scaler.update()
    return float(loss.detach())
