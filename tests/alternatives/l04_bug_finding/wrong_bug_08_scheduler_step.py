"""A plausible wrong solution: the rate is logged after scheduler.step(), so each row shows
the next epoch's rate instead of the one that epoch trained with."""

from torch import nn


def train(model: nn.Module, loader, optimizer, scheduler, loss_fn: nn.Module, epochs: int) -> list[dict]:
    history = []
    for epoch in range(epochs):
        losses = []
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        history.append({"epoch": epoch, "lr": optimizer.param_groups[0]["lr"], "loss": sum(losses) / len(losses)})
    return history
