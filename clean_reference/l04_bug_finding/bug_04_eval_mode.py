"""Bug 4 of the classic series: evaluating a model without `model.eval()`.

Dropout and BatchNorm read `model.training`. In train mode Dropout zeroes random
activations and BatchNorm normalises with each batch's statistics while updating its
running averages; in eval mode Dropout does nothing and BatchNorm uses those averages. The
flag is sticky: a model comes out of a training loop in train mode, so an evaluation
function must switch it itself, and wrap the forward passes in `torch.no_grad()`.

Run it: a small classifier with BatchNorm and Dropout is trained, then evaluated three
times on the same data; the script prints the three accuracies and whether evaluating
changed the BatchNorm statistics.

Shapes: inputs (B, F) float32, targets (B,) int64, logits (B, C).
"""

import torch
from torch import nn


@torch.no_grad()
def evaluate(model: nn.Module, loader) -> float:
    """Accuracy of `model` over `loader`: the fraction of samples whose top logit is the target.

    `loader` yields `(inputs, targets)` batches. The model is evaluated in eval mode
    (Dropout off, BatchNorm on its running statistics, which evaluation never changes) and
    left in eval mode; no gradients are tracked. Returns a Python float in [0, 1].
    """
    model.eval()  # Dropout off, BatchNorm reads its running statistics
    correct = 0
    total = 0
    for inputs, targets in loader:
        predictions = model(inputs).argmax(dim=1)  # (B,)
        correct += int((predictions == targets).sum())
        total += targets.numel()
    return correct / total


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(256, 8)  # (N, F)
    targets = (inputs[:, 0] + inputs[:, 1] > 0).long()  # (N,)
    loader = list(zip(inputs.split(32), targets.split(32)))
    model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(32, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for epoch in range(5):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    statistics = model[1].running_mean.clone()  # BatchNorm's running mean after training
    scores = [evaluate(model, loader) for _ in range(3)]
    print("accuracy, evaluated three times on the same data:", *(f"{s:.3f}" for s in scores))
    changed = not torch.equal(statistics, model[1].running_mean)
    print("evaluating changed the BatchNorm statistics:", changed)
