"""A learner's two-stage loop: the backbone is put in eval mode once, before stage 2, and
each epoch's model.train() quietly switches it back to train mode."""

import torch
from torch import nn


def freeze(module):
    for parameter in module.parameters():
        parameter.requires_grad = False
    return module


def _train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / count


@torch.no_grad()
def _validate(model, loader, loss_fn, device):
    model.eval()
    total, correct, count = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        logits = model(inputs)
        total += loss_fn(logits, targets).item() * len(targets)
        correct += (logits.argmax(dim=1) == targets).sum().item()
        count += len(targets)
    return total / count, correct / count


def _stage(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    history = []
    for epoch in range(epochs):
        lr = optimizer.param_groups[0]["lr"]
        train_loss = _train_epoch(model, train_loader, optimizer, loss_fn, device)
        val_loss, val_acc = _validate(model, val_loader, loss_fn, device)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_acc": val_acc, "lr": lr})
    return history


def two_stage_train(model, train_loader, val_loader, loss_fn, device, stage1_epochs, stage2_epochs,
                    stage1_lr=0.1, stage2_lr=0.01, weight_decay=0.0):
    optimizer = torch.optim.SGD(model.parameters(), lr=stage1_lr, weight_decay=weight_decay)
    stage1 = _stage(model, train_loader, val_loader, optimizer, loss_fn, device, stage1_epochs)
    freeze(model.backbone)
    model.backbone.eval()
    optimizer = torch.optim.SGD(model.head.parameters(), lr=stage2_lr, weight_decay=weight_decay)
    stage2 = _stage(model, train_loader, val_loader, optimizer, loss_fn, device, stage2_epochs)
    return {"stage1": stage1, "stage2": stage2}
