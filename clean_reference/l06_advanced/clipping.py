"""One training step with gradient clipping: no single batch may push the weights too far.

A rare batch (an outlier, a large learning rate, a deep or recurrent model) can produce a
gradient far larger than usual, and one such step can undo a lot of training. Clipping by
the global norm rescales all gradients together, as one long vector, whenever its length
exceeds `max_norm`: the direction of the step is kept, only its size is capped. Clipping
must see the gradients of this batch and nothing else, and must act before the optimizer
uses them.

The step returns the loss and the gradient norm measured before clipping: logging that norm
is how one picks `max_norm` and notices exploding gradients.

Shapes: inputs (B, F) float32, targets (B,) int64 class indices, logits (B, C).
"""

import torch
from torch import nn


def train_step_clipped(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
                       loss_fn: nn.Module, max_norm: float,
                       device: torch.device) -> tuple[float, float]:
    """Take one optimizer step on `batch` with the global gradient norm capped at `max_norm`.

    `batch` is an `(inputs, targets)` pair that arrives on the CPU, while the model already
    lives on `device`. The step is driven by this batch's gradients alone, whatever an
    earlier caller left in `.grad`. Returns `(loss, grad_norm)` as Python floats, where
    `grad_norm` is the total norm of all gradients before clipping. The model's train/eval
    mode is the caller's choice and is left as it was.
    """
    inputs, targets = batch
    inputs = inputs.to(device)  # (B, F)
    targets = targets.to(device)  # (B,)
    optimizer.zero_grad()
    logits = model(inputs)  # (B, C)
    loss = loss_fn(logits, targets)
    loss.backward()
    # After backward (the gradients exist) and before step (they are still unused).
    grad_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    device = torch.device("cpu")
    inputs = torch.randn(16, 8) * 50  # (B, F) badly scaled inputs: large gradients
    targets = (inputs[:, 0] > 0).long()  # (B,)
    model.train()
    for step in range(5):
        loss, grad_norm = train_step_clipped(model, (inputs, targets), optimizer,
                                             nn.CrossEntropyLoss(), max_norm=1.0, device=device)
        print(f"step {step}: loss {loss:.4f}, grad norm before clipping {grad_norm:.2f}"
              f"{' (clipped to 1.0)' if grad_norm > 1.0 else ''}")
