"""A second, independent solution of the two-input model challenge (different idioms)."""

import torch
import torch.nn.functional as F
from torch import nn


class MultiInputModel(nn.Module):
    """Image branch + tabular branch, joined side by side before a small head."""

    def __init__(self, image_channels: int, tabular_features: int, num_classes: int,
                 image_hidden: int = 8, tabular_hidden: int = 6) -> None:
        super().__init__()
        joined = image_hidden + tabular_hidden
        # Created in a different order from the reference: the head first.
        self.head = nn.Sequential(nn.Linear(joined, joined), nn.ReLU(), nn.Linear(joined, num_classes))
        self.tabular_branch = nn.Sequential(nn.Linear(tabular_features, tabular_hidden), nn.ReLU())
        self.image_block = nn.ModuleList([nn.Conv2d(image_hidden, image_hidden, 3, padding="same")])
        self.image_stem = nn.ModuleList([nn.Conv2d(image_channels, image_hidden, (3, 3), padding=1)])

    def forward(self, image: torch.Tensor, tabular: torch.Tensor) -> torch.Tensor:
        stem = F.relu(self.image_stem[0](image))  # (B, Hi, H, W)
        refined = stem + F.relu(self.image_block[0](stem))  # (B, Hi, H, W)
        image_vector = refined.mean(dim=(-2, -1))  # (B, Hi)
        table_vector = self.tabular_branch(tabular)  # (B, Ht)
        return self.head(torch.column_stack([image_vector, table_vector]))  # (B, classes)
