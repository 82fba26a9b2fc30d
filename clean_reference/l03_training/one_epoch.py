"""One epoch of supervised training: the loop every later level builds on.

For every batch the order matters: move the batch to the model's device, clear the
gradients left by the previous step, run the forward pass, compute the loss, backpropagate,
and let the optimizer update the parameters. The epoch's loss is averaged over samples, not
batches, so a short last batch counts for exactly as much as its samples.

Shapes: inputs (B, F) float32, targets (B,) int64 class indices, logits (B, C).
"""

import torch
from torch import nn


def train_one_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                    loss_fn: nn.Module, device: torch.device) -> float:
    """Train `model` for one pass over `loader`; return the sample-weighted mean loss.

    Each batch is an `(inputs, targets)` pair that arrives on the CPU, while the model
    already lives on `device`. Every batch makes one optimizer step, driven by that batch's
    gradients alone, whatever an earlier caller left in `.grad`. The model trains in train
    mode whatever mode it arrived in. The loss comes back as a Python float.
    """
    model.train()  # Dropout and BatchNorm must behave as in training
    total_loss = 0.0
    total_samples = 0
    for inputs, targets in loader:
        inputs = inputs.to(device)  # (B, F)
        targets = targets.to(device)  # (B,)
        optimizer.zero_grad()
        logits = model(inputs)  # (B, C)
        loss = loss_fn(logits, targets)  # mean over the batch
        loss.backward()
        optimizer.step()
        batch_size = inputs.size(0)
        total_loss += loss.item() * batch_size
        total_samples += batch_size
    return total_loss / total_samples


if __name__ == "__main__":
    torch.manual_seed(0)
    features = torch.randn(64, 8)  # (N, F)
    labels = (features[:, 0] > 0).long()  # (N,) a learnable rule
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(features, labels), batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    device = torch.device("cpu")
    for epoch in range(5):
        loss = train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss(), device)
        print(f"epoch {epoch}: mean loss {loss:.4f}")
