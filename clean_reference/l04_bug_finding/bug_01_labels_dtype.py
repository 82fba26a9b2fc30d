"""Bug 1 of the classic series: class labels with the wrong dtype.

Tabular data usually arrives as one float array with the label in the last column (a CSV
file, `np.loadtxt`, `df.values`), so the labels are floats too. CrossEntropyLoss reads
class-index targets as int64 class ids, so the cast belongs where the table is split, once,
rather than in every loop that uses the labels.

Run it: a linear classifier is trained on a float table; the script prints the dtypes,
the first and last loss, and the training accuracy.

Shapes: table (N, F + 1) float32, features (N, F) float32, labels (N,) int64, logits (N, C).
"""

import torch
from torch import nn


def split_table(table: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a (N, F + 1) float table into features (N, F) and labels (N,).

    The last column holds each row's class id written as a float (0.0, 1.0, ...). The
    features keep the table's dtype; the labels come back as int64 class indices, the
    targets CrossEntropyLoss expects. The table itself is left as it was.
    """
    features = table[:, :-1]  # (N, F)
    labels = table[:, -1].long()  # (N,) class ids as int64
    return features, labels


def train(model: nn.Module, features: torch.Tensor, labels: torch.Tensor,
          epochs: int, lr: float) -> list[float]:
    """Fit `model` to (features, labels) by full-batch gradient descent; return the losses.

    One SGD step (rate `lr`) per epoch on the cross-entropy of the whole set. The list
    holds each epoch's loss as a Python float, measured before that epoch's step.
    """
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(features), labels)  # mean over the N rows
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


if __name__ == "__main__":
    torch.manual_seed(0)
    centres = torch.tensor([[2.0, 0.0], [-2.0, 2.0], [-2.0, -2.0]])  # one cluster per class
    classes = torch.arange(3.0).repeat(30)  # (N,) 0.0, 1.0 or 2.0
    points = centres[classes.long()] + torch.randn(90, 2)  # (N, 2)
    table = torch.cat([points, classes[:, None]], dim=1)  # (N, 3), as read from a CSV file
    features, labels = split_table(table)
    print(f"features {tuple(features.shape)} {features.dtype}")
    print(f"labels {tuple(labels.shape)} {labels.dtype}")
    model = nn.Linear(2, 3)
    losses = train(model, features, labels, epochs=100, lr=0.5)
    print(f"loss: first epoch {losses[0]:.3f}, last epoch {losses[-1]:.3f}")
    accuracy = (model(features).argmax(dim=1) == labels).float().mean().item()
    print(f"training accuracy {accuracy:.2f}")
