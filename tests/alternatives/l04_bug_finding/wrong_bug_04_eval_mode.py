"""A plausible wrong solution: the accuracy is the mean of the batch accuracies, so a short
last batch weighs as much as a full one."""

import torch
from torch import nn


@torch.no_grad()
def evaluate(model: nn.Module, loader) -> float:
    model.eval()
    accuracies = []
    for inputs, targets in loader:
        predictions = model(inputs).argmax(dim=1)
        accuracies.append((predictions == targets).float().mean().item())
    return sum(accuracies) / len(accuracies)
