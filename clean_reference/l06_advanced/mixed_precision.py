"""One training step in mixed precision: half the memory traffic, the same training.

Under `torch.autocast`, matrix multiplications run in a 16-bit type while numerically
touchy ops (softmax, losses, reductions) stay in float32, and the weights themselves stay
float32. float16 has a narrow range: small gradients underflow to zero. A `GradScaler`
multiplies the loss by a large factor before backward, so the gradients are large enough to
survive float16, then divides them back before the optimizer sees them. When the factor
was too large and a gradient overflowed to inf or NaN, the scaler skips that step and
lowers the factor; after a run of good steps it raises it again.

bfloat16 has float32's range, so it needs no scaler: `make_scaler` returns a disabled one,
which passes everything through untouched, and the same step function serves both types.

Shapes: inputs (B, F) float32, targets (B,) int64 class indices, logits (B, C).
"""

import torch
from torch import nn


def make_scaler(device: torch.device | str, dtype: torch.dtype) -> torch.amp.GradScaler:
    """A gradient scaler for `device`'s type, active only when `dtype` is float16.

    Only float16 can underflow gradients; for bfloat16 or float32 the scaler is disabled and
    its calls become no-ops.
    """
    device_type = torch.device(device).type  # "cuda", "cpu", ...
    return torch.amp.GradScaler(device_type, enabled=dtype == torch.float16)


def train_step_amp(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
                   loss_fn: nn.Module, scaler: torch.amp.GradScaler,
                   device: torch.device | str, dtype: torch.dtype | None = None) -> float:
    """Take one optimizer step on `batch` with the forward pass and the loss autocast to `dtype`.

    `batch` is an `(inputs, targets)` pair that may still be on the CPU; the model already
    lives on `device`. `dtype=None` picks float16 on CUDA and bfloat16 elsewhere. The step
    follows this batch's gradients only, whatever gradients the model arrived with. With an
    enabled `scaler`, backward runs on the scaled loss, a step whose scaled gradients
    overflowed is skipped, and the scaler's factor is adjusted after every step (lowered after
    an overflow, raised after a run of good steps, as the scaler was configured); a disabled
    scaler makes all of that a plain step. Returns the loss as a Python float, unscaled. The
    model's train/eval mode is the caller's choice and is left as it was.
    """
    device = torch.device(device)
    if dtype is None:
        dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    inputs, targets = batch
    inputs = inputs.to(device)  # (B, F)
    targets = targets.to(device)  # (B,)
    optimizer.zero_grad()
    # Only the forward pass and the loss run under autocast; backward follows the same casts.
    with torch.autocast(device_type=device.type, dtype=dtype):
        logits = model(inputs)  # (B, C) in dtype
        loss = loss_fn(logits, targets)  # float32: autocast keeps losses in full precision
    scaler.scale(loss).backward()  # gradients carry the scale factor
    scaler.step(optimizer)  # unscales, then steps only if every gradient is finite
    scaler.update()  # lower the factor after an overflow, raise it after a run of good steps
    return loss.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    inputs = torch.randn(64, 8)  # (N, F)
    targets = (inputs[:, 0] > 0).long()  # (N,) a learnable rule
    # float16 runs on the CPU too (slowly): it is the type that needs the scaler.
    scaler = make_scaler(device, torch.float16)
    model.train()
    for step in range(6):
        loss = train_step_amp(model, (inputs, targets), optimizer, nn.CrossEntropyLoss(),
                              scaler, device, dtype=torch.float16)
        print(f"step {step}: loss {loss:.4f}, scale {scaler.get_scale():.0f}")
    print("weights stay", next(model.parameters()).dtype, "- only the forward pass ran in float16")
