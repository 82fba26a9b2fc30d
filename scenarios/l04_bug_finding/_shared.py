"""What the classic series' checks share: weights set by name, plain batches, histories.

Observation helpers run on both sides; `assert_same_history` and `same_training` run in the judge.
"""

from __future__ import annotations

import torch
from torch import nn

from bughunt.placement import plain
from scenarios._support import Loader, assert_same, assert_same_parameters


def dense(tensor: torch.Tensor) -> torch.Tensor:
    """`plain(tensor)` laid out row-major: a slice such as `table[:, -1]` keeps the table's
    strides even after `.long()`, and the wire cannot send such a tensor as it is."""
    return plain(tensor).clone(memory_format=torch.contiguous_format)


def fill_parameters(model: nn.Module, seed: int, scale: float = 0.5) -> nn.Module:
    """Give every parameter seeded values, in name order, whatever order the layers were built in."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, parameter in sorted(model.named_parameters()):
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * scale)
    return model


def plain_batches(seed: int, sizes: list[int], features: int, classes: int) -> Loader:
    """A loader of `(inputs (B, F) float32, targets (B,) int64)` batches, ordinary CPU tensors."""
    generator = torch.Generator().manual_seed(seed)
    return Loader([(torch.randn(size, features, generator=generator),
                    torch.randint(0, classes, (size,), generator=generator)) for size in sizes])


def regression_batches(seed: int, sizes: list[int], features: int, outputs: int) -> Loader:
    """A loader of `(inputs (B, F), targets (B, T))` float32 batches from a noisy linear rule."""
    generator = torch.Generator().manual_seed(seed)
    rule = torch.randn(features, outputs, generator=generator)
    batches = []
    for size in sizes:
        inputs = torch.randn(size, features, generator=generator)  # (B, F)
        batches.append((inputs, inputs @ rule + 0.1 * torch.randn(size, outputs, generator=generator)))
    return Loader(batches)


def assert_same_history(got, expected, what: str = "the losses") -> None:
    """Per-epoch values: the same length and structure, every float within loss tolerances."""
    assert isinstance(got, (list, tuple)), f"{what} should be a list, got {type(got).__name__}"
    assert len(got) == len(expected), f"{what} have {len(got)} entries for {len(expected)} epochs"
    assert_same(got, expected, what, rtol=1e-4, atol=1e-5)


def same_training(got, expected, **example) -> None:
    """The comparison of two `{"losses": train(...), "parameters": parameters(model)}`
    observations: the per-epoch losses first, then the trained weights."""
    assert isinstance(got, dict) and list(got) == list(expected), "train did not return the list of losses"
    assert_same_history(got["losses"], expected["losses"])
    assert_same_parameters(got["parameters"], expected["parameters"], "the trained weights")
