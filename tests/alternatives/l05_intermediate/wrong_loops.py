"""A plausible mistake: the learning rate is logged after the scheduler has stepped, so each
row records the rate of the epoch to come instead of the one it trained with."""

import torch
from torch import nn


def train_one_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total, n = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        n += len(targets)
    return total / n


@torch.no_grad()
def validate(model: nn.Module, loader, loss_fn, device):
    model.eval()
    total, correct, n = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        logits = model(inputs)
        total += loss_fn(logits, targets).item() * len(targets)
        correct += (logits.argmax(dim=1) == targets).sum().item()
        n += len(targets)
    return total / n, correct / n


def train_for_epochs(model, train_loader, val_loader, optimizer, loss_fn, device, epochs, scheduler=None):
    history = []
    for epoch in range(epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer, loss_fn, device)
        val_loss, val_acc = validate(model, val_loader, loss_fn, device)
        if scheduler is not None:
            scheduler.step()
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_acc": val_acc, "lr": optimizer.param_groups[0]["lr"]})
    return history
