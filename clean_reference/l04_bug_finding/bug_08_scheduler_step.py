"""Bug 8 of the classic series: an epoch-based scheduler stepped once per batch.

`StepLR(optimizer, step_size=2, gamma=0.5)` halves the learning rate every 2 calls of
`scheduler.step()`; what a call stands for is up to the loop. Called after every batch,
the schedule runs as many times too fast as there are batches in an epoch, and training
stalls with a tiny rate. Step an epoch-based scheduler once per epoch, after that epoch's
optimizer steps, and log the rate each epoch trained with.

Run it: a classifier trains for six epochs of four batches; the script prints the learning
rate and the mean loss of every epoch.

Shapes: inputs (B, F) float32, targets (B,) int64, logits (B, C).
"""

import torch
from torch import nn


def train(model: nn.Module, loader, optimizer: torch.optim.Optimizer, scheduler,
          loss_fn: nn.Module, epochs: int) -> list[dict]:
    """Train for `epochs` passes over `loader`, stepping the epoch-based `scheduler` once per epoch.

    `loader` yields `(inputs, targets)` batches; every batch is one optimizer step with
    freshly zeroed gradients. The scheduler steps after each epoch's optimizer steps.
    Returns one row per epoch: `{"epoch": int from 0, "lr": the rate that epoch trained
    with, "loss": the mean of that epoch's batch losses}` (floats but `epoch`).
    """
    history = []
    for epoch in range(epochs):
        lr = optimizer.param_groups[0]["lr"]  # the rate this epoch trains with
        losses = []
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)  # mean over the batch
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()  # once per epoch: StepLR counts epochs
        history.append({"epoch": epoch, "lr": lr, "loss": sum(losses) / len(losses)})
    return history


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(64, 4)  # (N, F)
    targets = (inputs[:, 0] - inputs[:, 2] > 0).long()  # (N,)
    loader = list(zip(inputs.split(16), targets.split(16)))  # four batches per epoch
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    # halve the rate every 2 epochs
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for row in train(model, loader, optimizer, scheduler, nn.CrossEntropyLoss(), epochs=6):
        print(f"epoch {row['epoch']}: lr {row['lr']:.5f}, mean loss {row['loss']:.4f}")
