"""Bug 9 of the classic series: a training loop without `optimizer.zero_grad()`.

`loss.backward()` adds into each parameter's `.grad`; it never overwrites. Without
`optimizer.zero_grad()` before every backward, step n applies the sum of all gradients so
far (and the first step also whatever an earlier caller left in `.grad`), so the steps
grow and the loss oscillates or explodes. Nothing crashes.

Run it: a linear regression trains for eight epochs of four batches; the script prints
the mean loss of every epoch.

Shapes: inputs (B, F) float32, targets (B, T) float32, predictions (B, T).
"""

import torch
from torch import nn


def train(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
          loss_fn: nn.Module, epochs: int) -> list[float]:
    """Train for `epochs` passes over `loader`; return each epoch's mean batch loss.

    `loader` yields `(inputs, targets)` batches; every batch is one optimizer step driven
    by that batch's gradient alone, whatever an earlier caller left in `.grad`. The
    losses are Python floats, the plain mean of each epoch's batch losses.
    """
    history = []
    for _ in range(epochs):
        total = 0.0
        for inputs, targets in loader:
            optimizer.zero_grad()  # backward() adds into .grad: clear the previous step's
            loss = loss_fn(model(inputs), targets)  # mean over the batch
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.append(total / len(loader))
    return history


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(64, 3)  # (N, F)
    targets = inputs @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.1 * torch.randn(64, 1)  # (N, 1)
    loader = list(zip(inputs.split(16), targets.split(16)))  # four batches per epoch
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch, loss in enumerate(train(model, loader, optimizer, nn.MSELoss(), epochs=8)):
        print(f"epoch {epoch}: mean loss {loss:.4f}")
