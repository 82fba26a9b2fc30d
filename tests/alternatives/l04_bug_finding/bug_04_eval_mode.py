"""A second solution of classic 4: inference mode, train(False), counts kept as tensors."""

import torch
from torch import nn


def evaluate(model: nn.Module, loader) -> float:
    """Accuracy over `loader` in eval mode, without tracking gradients; the model stays in eval mode."""
    model.train(False)
    hits, seen = torch.zeros((), dtype=torch.long), 0
    with torch.inference_mode():
        for batch in loader:
            inputs, targets = batch
            hits += model(inputs).max(dim=1).indices.eq(targets).sum()
            seen += len(targets)
    return hits.item() / seen
