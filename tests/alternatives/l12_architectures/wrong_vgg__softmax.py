"""A plausible wrong VGG: SimpleCNN ends with a softmax, so it returns class probabilities
where the contract asks for logits (CrossEntropyLoss would apply a second softmax)."""

import torch
import torch.nn.functional as F
from torch import nn


class VGGBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, num_convs: int) -> None:
        super().__init__()
        widths = [in_channels] + [out_channels] * num_convs
        self.convs = nn.ModuleList(nn.Conv2d(a, b, (3, 3), padding="same") for a, b in zip(widths, widths[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = F.relu(conv(x))
        return F.max_pool2d(x, kernel_size=2, stride=2)


class SimpleCNN(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, width: int = 16) -> None:
        super().__init__()
        self.head = nn.Linear(2 * width, num_classes)  # created first: order is free
        self.stages = nn.ModuleList([VGGBlock(in_channels, width, 1), VGGBlock(width, 2 * width, 1)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for stage in self.stages:
            x = stage(x)
        return torch.softmax(self.head(torch.mean(x, dim=[2, 3])), dim=1)
