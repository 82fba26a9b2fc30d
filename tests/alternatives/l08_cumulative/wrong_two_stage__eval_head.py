"""A plausible wrong two-stage run: in stage 2 the whole model goes to eval mode, so the
frozen backbone behaves, but the head also trains in eval mode (its Dropout never drops).
With a head of one Linear layer nothing shows."""

import torch
import torch.nn.functional as F


def freeze(module):
    return module.requires_grad_(False)


def _epoch(model, loader, optimizer, loss_fn, device, frozen_backbone):
    model.train(not frozen_backbone)  # frozen: "the model is only being fine-tuned"
    loss_sum, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(targets)
        count += len(targets)
    return loss_sum / count


@torch.no_grad()
def _measure(model, loader, loss_fn, device):
    model.eval()
    loss_sum, hits, count = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        logits = model(inputs)
        loss_sum += loss_fn(logits, targets).item() * len(targets)
        hits += int((logits.argmax(dim=1) == targets).sum())
        count += len(targets)
    return loss_sum / count, hits / count


def two_stage_train(model, train_loader, val_loader, loss_fn, device, stage1_epochs, stage2_epochs,
                    stage1_lr=0.1, stage2_lr=0.01, weight_decay=0.0):
    plan = [("stage1", stage1_epochs, stage1_lr, False), ("stage2", stage2_epochs, stage2_lr, True)]
    histories = {}
    for name, epochs, lr, frozen in plan:
        if frozen:
            freeze(model.backbone).eval()
        optimizer = torch.optim.SGD(model.head.parameters() if frozen else model.parameters(),
                                    lr=lr, weight_decay=weight_decay)
        rows = []
        for epoch in range(epochs):
            train_loss = _epoch(model, train_loader, optimizer, loss_fn, device, frozen)
            val_loss, val_acc = _measure(model, val_loader, loss_fn, device)
            rows.append({"lr": lr, "val_acc": val_acc, "val_loss": val_loss, "train_loss": train_loss,
                         "epoch": epoch})
        histories[name] = rows
    return histories
