"""A plausible wrong accumulation loop, as training scripts write it: the divisor is
recomputed for the short last group, and the step fires when the batch count is a multiple
of that group size. With 7 batches and accum_steps=4 the last group (3 batches) steps after
batch 6 with two batches' worth of gradient, then again after batch 7 with one."""

import torch


def train_epoch_accumulated(model, loader, optimizer, loss_fn, accum_steps, device):
    model.train()
    total, seen = 0.0, 0
    n = len(loader)
    optimizer.zero_grad()
    for i, (inputs, targets) in enumerate(loader):
        group = min(accum_steps, n - (i // accum_steps) * accum_steps)
        inputs, targets = inputs.to(device), targets.to(device)
        loss = loss_fn(model(inputs), targets)
        (loss / group).backward()
        if (i + 1) % group == 0 or i + 1 == n:
            optimizer.step()
            optimizer.zero_grad()
        total += loss.item() * targets.shape[0]
        seen += targets.shape[0]
    return total / seen
