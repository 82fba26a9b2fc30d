"""A correct `loops` written another way: its own training pass, inference_mode, tensor
accumulators, a while loop, and the rate read from the scheduler itself."""

import torch
import torch.nn.functional as F

COLUMNS = ("epoch", "train_loss", "val_loss", "val_acc", "lr")


def train_one_epoch(model, loader, optimizer, loss_fn, device):
    model.train(True)
    seen, weighted = 0, torch.zeros((), dtype=torch.float64)
    for batch in loader:
        x, y = (t.to(device) for t in batch)
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        weighted += loss.detach().double().cpu() * len(y)
        seen += len(y)
    return float(weighted / seen)


def validate(model, loader, loss_fn, device):
    model.train(False)
    sums = torch.zeros(2, dtype=torch.float64)  # [loss * samples, correct]
    count = 0
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device=device), y.to(device=device)
            out = model(x)
            sums[0] += float(loss_fn(out, y)) * y.numel()
            sums[1] += int(out.max(dim=-1).indices.eq(y).sum())
            count += y.numel()
    mean_loss, accuracy = (sums / count).tolist()
    return mean_loss, accuracy


def train_for_epochs(model, train_loader, val_loader, optimizer, loss_fn, device, epochs, scheduler=None):
    rows = []
    epoch = 0
    while epoch < epochs:
        rate = scheduler.get_last_lr()[0] if scheduler is not None else optimizer.param_groups[0]["lr"]
        fit = train_one_epoch(model, train_loader, optimizer, loss_fn, device)
        scores = validate(model, val_loader, loss_fn, device)
        if scheduler:
            scheduler.step()
        rows.append(dict(zip(COLUMNS, (epoch, fit, *scores, float(rate)))))
        epoch += 1
    return rows
