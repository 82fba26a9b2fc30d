"""Training for several epochs: a training pass, a validation pass, and a row of metrics each.

Training alone says little: the loss on the data the model learns from keeps falling even
when the model stops getting better. Each epoch therefore ends with a validation pass on
held-out data, in eval mode (Dropout off, BatchNorm on its running statistics) and without
autograd, which must leave the model exactly as it found it. A learning-rate scheduler
such as StepLR counts epochs, so it is stepped once per epoch, after that epoch's
validation; the rate each epoch trained with is recorded before that step.

Shapes: inputs (B, F) float32, targets (B,) int64 class indices, logits (B, C).
"""

import torch
from torch import nn

from clean_reference.l03_training.one_epoch import train_one_epoch


@torch.no_grad()
def validate(model: nn.Module, loader, loss_fn: nn.Module,
             device: torch.device) -> tuple[float, float]:
    """Measure `model` on `loader`: return `(mean loss, accuracy)` as Python floats.

    Batches are `(inputs, targets)` pairs that arrive on the CPU; the model already lives
    on `device`. Both numbers are averaged over samples, so a short last batch counts for
    its samples only; the accuracy is the fraction of samples whose largest logit is the
    target class. The model is evaluated in eval mode, whatever mode it arrived in, and is
    left in eval mode; nothing about it changes: no parameter, no `.grad`, no BatchNorm
    statistic.
    """
    model.eval()  # Dropout off, BatchNorm on its running statistics
    total_loss = 0.0
    correct = 0
    total_samples = 0
    for inputs, targets in loader:
        inputs = inputs.to(device)  # (B, F)
        targets = targets.to(device)  # (B,)
        logits = model(inputs)  # (B, C)
        batch_size = inputs.size(0)
        total_loss += loss_fn(logits, targets).item() * batch_size
        correct += (logits.argmax(dim=1) == targets).sum().item()
        total_samples += batch_size
    return total_loss / total_samples, correct / total_samples


def train_for_epochs(model: nn.Module, train_loader, val_loader,
                     optimizer: torch.optim.Optimizer, loss_fn: nn.Module, device: torch.device,
                     epochs: int, scheduler=None) -> list[dict]:
    """Train for `epochs` epochs, validating after each; return one row of metrics per epoch.

    Each epoch is one `train_one_epoch` pass over `train_loader` followed by one `validate`
    pass over `val_loader`. A scheduler, when given, counts epochs: it is stepped once per
    epoch, after that epoch's validation. Row `i` is a dict with exactly these keys:
    `epoch` (the int `i`, counting from 0), `train_loss`, `val_loss`, `val_acc` (a fraction
    in [0, 1]) and `lr`, the learning rate that epoch trained with; all floats but `epoch`.
    """
    history = []
    for epoch in range(epochs):
        lr = optimizer.param_groups[0]["lr"]  # the rate this epoch trains with
        train_loss = train_one_epoch(model, train_loader, optimizer, loss_fn, device)
        val_loss, val_acc = validate(model, val_loader, loss_fn, device)
        if scheduler is not None:
            scheduler.step()
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_acc": val_acc, "lr": lr})
    return history


if __name__ == "__main__":
    torch.manual_seed(0)
    features = torch.randn(96, 6)  # (N, F)
    labels = (features[:, 0] + features[:, 1] > 0).long()  # (N,) a learnable rule
    data = torch.utils.data.TensorDataset(features, labels)
    train_set, val_set = torch.utils.data.random_split(data, [64, 32])
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=16, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=16)
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    history = train_for_epochs(model, train_loader, val_loader, optimizer, nn.CrossEntropyLoss(),
                               torch.device("cpu"), epochs=6, scheduler=scheduler)
    for row in history:
        print(f"epoch {row['epoch']}: lr {row['lr']:.3f}  train {row['train_loss']:.4f}  "
              f"val {row['val_loss']:.4f}  acc {row['val_acc']:.2f}")
