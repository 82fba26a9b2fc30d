"""A correct `loops` in the manner of PyTorch's own examples: running sums divided by
`len(loader.dataset)` and history rows built key by key in an order of their own."""

import torch


def train_one_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    running = 0.0
    for data, target in loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = loss_fn(output, target)
        loss.backward()
        optimizer.step()
        running += loss.item() * data.size(0)
    return running / len(loader.dataset)


def validate(model, loader, loss_fn, device):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += loss_fn(output, target).item() * data.size(0)
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(loader.dataset), correct / len(loader.dataset)


def train_for_epochs(model, train_loader, val_loader, optimizer, loss_fn, device, epochs, scheduler=None):
    history = []
    for epoch in range(epochs):
        row = {"lr": optimizer.param_groups[0]["lr"]}
        row["train_loss"] = train_one_epoch(model, train_loader, optimizer, loss_fn, device)
        row["val_loss"], row["val_acc"] = validate(model, val_loader, loss_fn, device)
        row["epoch"] = epoch
        if scheduler is not None:
            scheduler.step()
        history.append(row)
    return history
