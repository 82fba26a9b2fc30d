"""Bug 7 of the classic series: predictions of shape (N, 1) against targets of shape (N,).

A regression model ends in `nn.Linear(F, 1)`, so it returns one value per sample as a
(N, 1) column, while targets from a dataset are a flat (N,) vector. MSELoss does not
reject that pair: broadcasting stretches both to (N, N) and compares every prediction
with every target. The loss still decreases a little, the model learns only the mean, and
the one sign is a UserWarning about the target size. Squeeze the column away (or unsqueeze
the targets) so both sides have exactly the same shape.

Run it: a linear model is fitted to noisy linear data; the script prints the first and
last loss and the learned weights next to the true ones.

Shapes: inputs (N, F) float32, model output (N, 1), predictions (N,), targets (N,).
"""

import torch
from torch import nn


def regression_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error between `model`'s predictions for (N, F) `inputs` and (N,) `targets`.

    `model` returns one value per sample as a (N, 1) column; each prediction is compared
    with its own sample's target only. Returns a scalar tensor that can be backpropagated.
    """
    predictions = model(inputs).squeeze(1)  # (N,) one prediction per sample
    return nn.functional.mse_loss(predictions, targets)


def train(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
          epochs: int, lr: float) -> list[float]:
    """Fit `model` by full-batch gradient descent on `regression_loss`; return the losses.

    One SGD step (rate `lr`) per epoch on the whole set. The list holds each epoch's loss
    as a Python float, measured before that epoch's step.
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = regression_loss(model, inputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(100, 3)  # (N, F)
    true_weights = torch.tensor([2.0, -1.0, 0.5])
    targets = inputs @ true_weights + 0.1 * torch.randn(100)  # (N,), as a dataset gives them
    model = nn.Linear(3, 1)  # one output per sample: (N, 1)
    losses = train(model, inputs, targets, epochs=200, lr=0.1)
    print(f"loss: first epoch {losses[0]:.3f}, last epoch {losses[-1]:.4f} "
          "(the noise alone gives about 0.01)")
    learned = [round(w, 2) for w in model.weight.squeeze(0).tolist()]
    print(f"learned weights {learned}, true weights {true_weights.tolist()}")
