"""A plausible wrong solution: SimpleCNN flattens the feature map into a linear layer sized
for 16x16 images instead of pooling it, so any other image size breaks it."""

import torch
from torch import nn


class VGGBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, num_convs: int) -> None:
        super().__init__()
        layers = []
        for index in range(num_convs):
            layers += [nn.Conv2d(in_channels if index == 0 else out_channels, out_channels, 3, padding=1), nn.ReLU()]
        self.body = nn.Sequential(*layers, nn.MaxPool2d(2, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class SimpleCNN(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, width: int = 16) -> None:
        super().__init__()
        self.features = nn.Sequential(VGGBlock(in_channels, width, 1), VGGBlock(width, 2 * width, 1))
        self.classifier = nn.Linear(2 * width * 4 * 4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))
