"""A plausible wrong solution: squeeze() after pooling, which also drops a batch of one."""

import torch
from torch import nn


class MultiInputModel(nn.Module):
    def __init__(self, image_channels: int, tabular_features: int, num_classes: int,
                 image_hidden: int = 8, tabular_hidden: int = 6) -> None:
        super().__init__()
        self.image_stem = nn.Sequential(nn.Conv2d(image_channels, image_hidden, 3, padding=1), nn.ReLU())
        self.image_block = nn.Sequential(nn.Conv2d(image_hidden, image_hidden, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.tabular_branch = nn.Sequential(nn.Linear(tabular_features, tabular_hidden), nn.ReLU())
        joined = image_hidden + tabular_hidden
        self.head = nn.Sequential(nn.Linear(joined, joined), nn.ReLU(), nn.Linear(joined, num_classes))

    def forward(self, image: torch.Tensor, tabular: torch.Tensor) -> torch.Tensor:
        feature_map = self.image_stem(image)
        feature_map = feature_map + self.image_block(feature_map)
        image_features = self.pool(feature_map).squeeze()  # wrong for B == 1: (Hi,), not (1, Hi)
        tabular_features = self.tabular_branch(tabular)
        return self.head(torch.cat([image_features, tabular_features], dim=-1))
