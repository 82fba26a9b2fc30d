"""Gradient accumulation: train with the gradient of a large batch from several small ones.

When a large batch does not fit in memory, run its parts one after another and let
backward() add their gradients up in `.grad`; step the optimizer once per group of
`accum_steps` batches. Each batch's loss is a mean over its samples, so dividing it by the
number of batches in its group makes the summed gradient the group's mean gradient: with
equal batch sizes, one step equals one step on all the group's samples at once. The last
group may be shorter when the loader's length is not a multiple of `accum_steps`; it is
divided by its own size, or its step would be too small.

The returned loss is the epoch's sample-weighted mean of the batch losses as computed,
before any division for accumulation.

Shapes: inputs (B, F) float32, targets (B,) int64 class indices, logits (B, C).
"""

import torch
from torch import nn


def train_epoch_accumulated(model: nn.Module, loader, optimizer: torch.optim.Optimizer,
                            loss_fn: nn.Module, accum_steps: int, device: torch.device) -> float:
    """Train one pass over `loader`, one optimizer step per group of `accum_steps` batches.

    Each batch is an `(inputs, targets)` pair that arrives on the CPU, while the model
    already lives on `device`. Each step applies the mean gradient of its group; the last
    group may hold fewer batches. The model is trained in train mode whatever mode it
    arrived in, and gradients left by an earlier caller play no part. Returns the
    sample-weighted mean of the batch losses, as the loss function computed them, as a
    Python float.
    """
    model.train()  # Dropout and BatchNorm must behave as in training
    num_batches = len(loader)
    total_loss = 0.0
    total_samples = 0
    for index, (inputs, targets) in enumerate(loader):
        inputs = inputs.to(device)  # (B, F)
        targets = targets.to(device)  # (B,)
        group_start = index - index % accum_steps
        group_size = min(accum_steps, num_batches - group_start)  # the last group may be short
        if index == group_start:
            optimizer.zero_grad()  # a new group starts from clean gradients
        logits = model(inputs)  # (B, C)
        loss = loss_fn(logits, targets)  # mean over the batch
        (loss / group_size).backward()  # .grad sums to the group's mean gradient
        if index == group_start + group_size - 1:
            optimizer.step()
        batch_size = inputs.size(0)
        total_loss += loss.item() * batch_size
        total_samples += batch_size
    return total_loss / total_samples


if __name__ == "__main__":
    torch.manual_seed(0)
    features = torch.randn(56, 8)  # (N, F)
    labels = (features[:, 0] > 0).long()  # (N,) a learnable rule
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(features, labels), batch_size=8, shuffle=True)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    device = torch.device("cpu")
    # 7 batches in groups of 3: steps after batches 3, 6 and 7 (a group of one).
    for epoch in range(5):
        loss = train_epoch_accumulated(model, loader, optimizer, nn.CrossEntropyLoss(),
                                       accum_steps=3, device=device)
        print(f"epoch {epoch}: mean loss {loss:.4f}")
