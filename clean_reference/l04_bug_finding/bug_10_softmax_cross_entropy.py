"""Bug 10 of the classic series: softmax before CrossEntropyLoss.

`nn.CrossEntropyLoss` applies `log_softmax` to its input itself: it wants raw logits.
Feeding it probabilities applies softmax twice. Every input is squeezed into [0, 1], so
the loss can never get near zero, its gradients fade as the model grows confident, and
training stalls at a high loss without any error. Apply softmax only where probabilities
are wanted, for reporting.

Run it: a three-class classifier trains on separable data; the script prints the loss
every 50 epochs and the final accuracy and confidence.

Shapes: inputs (B, F) float32, targets (B,) int64, logits (B, C).
"""

import torch
from torch import nn


def train(model: nn.Module, loader, optimizer: torch.optim.Optimizer, epochs: int) -> list[float]:
    """Train `model`, which returns raw logits, with cross-entropy; return each epoch's mean loss.

    `loader` yields `(inputs, targets)` batches of class indices; every batch is one
    optimizer step with freshly zeroed gradients. The losses are Python floats, the plain
    mean of each epoch's batch losses.
    """
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for _ in range(epochs):
        total = 0.0
        for inputs, targets in loader:
            optimizer.zero_grad()
            logits = model(inputs)  # (B, C) raw scores: the loss applies log_softmax itself
            loss = loss_fn(logits, targets)
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.append(total / len(loader))
    return history


if __name__ == "__main__":
    torch.manual_seed(0)
    centres = torch.tensor([[3.0, 0.0], [-3.0, 3.0], [-3.0, -3.0]])  # one cluster per class
    targets = torch.arange(3).repeat(40)  # (N,)
    inputs = centres[targets] + torch.randn(120, 2)  # (N, 2)
    loader = list(zip(inputs.split(30), targets.split(30)))
    model = nn.Linear(2, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = train(model, loader, optimizer, epochs=200)
    for epoch in range(0, 200, 50):
        print(f"epoch {epoch}: mean loss {history[epoch]:.4f}")
    print(f"epoch 199: mean loss {history[-1]:.4f}")
    with torch.no_grad():
        probabilities = model(inputs).softmax(dim=1)  # (N, C): softmax belongs here, for reporting
    accuracy = (probabilities.argmax(dim=1) == targets).float().mean().item()
    confidence = probabilities[range(120), targets].mean().item()
    print(f"accuracy {accuracy:.2f}, mean confidence in the true class {confidence:.2f}")
