"""A plausible wrong solution: the pooling branch has no 1x1 projection, so it passes all
input channels on instead of pool_proj of them."""

import torch
from torch import nn


class InceptionModule(nn.Module):
    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int,
                 c5_reduce: int, c5: int, pool_proj: int) -> None:
        super().__init__()
        self.b1 = nn.Sequential(nn.Conv2d(in_channels, c1, 1), nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(in_channels, c3_reduce, 1), nn.ReLU(),
                                nn.Conv2d(c3_reduce, c3, 3, padding=1), nn.ReLU())
        self.b5 = nn.Sequential(nn.Conv2d(in_channels, c5_reduce, 1), nn.ReLU(),
                                nn.Conv2d(c5_reduce, c5, 5, padding=2), nn.ReLU())
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], dim=1)
