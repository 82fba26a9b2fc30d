"""A plausible wrong ResNet: each block applies its last ReLU to the branch and then adds
the shortcut, so a block's outputs are negative wherever the shortcut is (the identity
with zero weights and a non-negative input is still right)."""

import torch
import torch.nn.functional as F
from torch import nn


def _bn_conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels)]


class ResidualBlock(nn.Module):
    expansion = 1

    def __init__(self, channels: int, out_channels: int | None = None, stride: int = 1) -> None:
        super().__init__()
        out_channels = out_channels or channels
        # Shortcut first, then the branch: layer order and names are free.
        needs_projection = (stride, channels) != (1, out_channels)
        self.downsample = nn.Sequential(*_bn_conv(channels, out_channels, 1, stride)) if needs_projection else None
        self.conv1, self.bn1 = _bn_conv(channels, out_channels, 3, stride)
        self.conv2, self.bn2 = _bn_conv(out_channels, out_channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return out + identity


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels: int, mid_channels: int, stride: int = 1) -> None:
        super().__init__()
        width = self.expansion * mid_channels
        self.reduce = nn.Sequential(*_bn_conv(in_channels, mid_channels, 1), nn.ReLU(inplace=True))
        self.spatial = nn.Sequential(*_bn_conv(mid_channels, mid_channels, 3, stride), nn.ReLU(inplace=True))
        self.expand = nn.Sequential(*_bn_conv(mid_channels, width, 1))
        if stride == 1 and in_channels == width:
            self.project = nn.Identity()
        else:
            self.project = nn.Sequential(*_bn_conv(in_channels, width, 1, stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.expand(self.spatial(self.reduce(x)))) + self.project(x)


def make_layer(block, in_channels, out_channels, num_blocks, stride=1):
    blocks = []
    for block_stride in [stride] + [1] * (num_blocks - 1):
        blocks.append(block(in_channels, out_channels, block_stride))
        in_channels = out_channels * block.expansion
    return nn.Sequential(*blocks)


class SmallResNet(nn.Module):
    def __init__(self, num_classes: int, in_channels: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 16, kernel_size=(3, 3), padding="same", bias=False)
        self.norm = nn.BatchNorm2d(16)
        self.layer1 = make_layer(ResidualBlock, 16, 16, 2)
        self.layer2 = make_layer(ResidualBlock, 16, 32, 2, 2)
        self.layer3 = make_layer(ResidualBlock, 32, 64, 2, 2)
        self.head = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.norm(self.conv(x)))
        for layer in (self.layer1, self.layer2, self.layer3):
            x = layer(x)
        return self.head(x.mean(dim=(-2, -1)))
