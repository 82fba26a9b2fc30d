"""A second, independent solution of the Inception challenge (functional pooling and ReLUs,
branches in a ModuleDict, channels joined with dim=-3)."""

import torch
import torch.nn.functional as F
from torch import nn


class InceptionModule(nn.Module):
    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int,
                 c5_reduce: int, c5: int, pool_proj: int) -> None:
        super().__init__()
        self.paths = nn.ModuleDict({
            "pool": nn.ModuleList([nn.Conv2d(in_channels, pool_proj, 1)]),
            "five": nn.ModuleList([nn.Conv2d(in_channels, c5_reduce, 1), nn.Conv2d(c5_reduce, c5, 5, padding=2)]),
            "three": nn.ModuleList([nn.Conv2d(in_channels, c3_reduce, 1), nn.Conv2d(c3_reduce, c3, 3, padding=1)]),
            "one": nn.ModuleList([nn.Conv2d(in_channels, c1, 1)]),
        })

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = []
        for name in ("one", "three", "five", "pool"):
            y = F.max_pool2d(x, 3, 1, 1) if name == "pool" else x
            for conv in self.paths[name]:
                y = F.relu(conv(y))
            outputs.append(y)
        return torch.cat(outputs, dim=-3)
