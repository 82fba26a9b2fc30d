"""ResNet: residual blocks, bottlenecks, stages made by make_layer, and a small ResNet.

A plain stack of layers finds it hard to learn "do nothing", so deeper plain networks
train worse. A residual block (He et al., 2015) computes a correction F(x) and adds its
input back: out = ReLU(F(x) + shortcut(x)). With F at zero the block is the identity, and
gradients reach early layers through the chain of shortcuts. The shortcut is the input
itself, unless the block changes the resolution (stride 2) or the channel count: then a
strided 1x1 convolution with BatchNorm projects the input to the new shape.

Shapes: (B, C, H, W) float32 maps. A block with stride s returns (B, C_out, ceil(H / s),
ceil(W / s)); a Bottleneck returns 4 * mid_channels channels. Logits are (B, num_classes).
"""

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """The basic block: two 3x3 convolutions with BatchNorm, plus a shortcut."""

    expansion = 1  # output channels per `out_channels`, read by make_layer

    def __init__(self, channels: int, out_channels: int | None = None, stride: int = 1) -> None:
        """Map `channels` to `out_channels` (default: `channels`) at the given stride.

        The branch is conv 3x3 (stride `stride`, padding 1) -> BatchNorm -> ReLU -> conv 3x3
        (stride 1, padding 1) -> BatchNorm. The shortcut is the identity when the shape is
        kept, and a 1x1 convolution with stride `stride` plus BatchNorm when the stride is
        not 1 or the channel count changes. Convolutions have no bias (BatchNorm follows).
        """
        super().__init__()
        out_channels = channels if out_channels is None else out_channels
        self.branch = nn.Sequential(
            nn.Conv2d(channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.final_relu = nn.ReLU()  # applied after the addition
        self.shortcut = nn.Identity()
        if stride != 1 or channels != out_channels:  # the input no longer fits: project it
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU(branch(x) + shortcut(x)): (B, C_in, H, W) -> (B, C_out, H', W')."""
        out = self.branch(x) + self.shortcut(x)  # (B, C_out, H', W')
        return self.final_relu(out)


class Bottleneck(nn.Module):
    """The deep-ResNet block: 1x1 reduce, 3x3, 1x1 expand to 4 * mid_channels, plus a shortcut."""

    expansion = 4  # the block's output has expansion * mid_channels channels

    def __init__(self, in_channels: int, mid_channels: int, stride: int = 1) -> None:
        """Map `in_channels` to `4 * mid_channels`, doing the spatial work at `mid_channels`.

        The branch is conv 1x1 -> BN -> ReLU -> conv 3x3 (stride `stride`, padding 1) -> BN
        -> ReLU -> conv 1x1 -> BN; the stride sits on the 3x3 convolution. The shortcut is
        the identity when `stride` is 1 and `in_channels` is `4 * mid_channels`, otherwise
        a 1x1 convolution with stride `stride` plus BatchNorm. Convolutions have no bias.
        """
        super().__init__()
        out_channels = mid_channels * self.expansion
        self.branch = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 1, bias=False),  # reduce
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(),
            nn.Conv2d(mid_channels, mid_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(),
            nn.Conv2d(mid_channels, out_channels, 1, bias=False),  # expand
            nn.BatchNorm2d(out_channels),
        )
        self.final_relu = nn.ReLU()  # applied after the addition
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU(branch(x) + shortcut(x)): (B, C_in, H, W) -> (B, 4 * mid, H', W')."""
        out = self.branch(x) + self.shortcut(x)  # (B, 4 * mid, H', W')
        return self.final_relu(out)


def make_layer(block: type[nn.Module], in_channels: int, out_channels: int, num_blocks: int,
               stride: int = 1) -> nn.Sequential:
    """One ResNet stage: `num_blocks` blocks of class `block` in an nn.Sequential.

    The first block is `block(in_channels, out_channels, stride)`: it alone changes the
    resolution and the width. The others are `block(out_channels * block.expansion,
    out_channels)`, each reading what the previous block wrote. A Bottleneck stage
    therefore ends with `4 * out_channels` channels.
    """
    layers = [block(in_channels, out_channels, stride=stride)]
    for _ in range(num_blocks - 1):
        layers.append(block(out_channels * block.expansion, out_channels))
    return nn.Sequential(*layers)


class SmallResNet(nn.Module):
    """A ResNet for small images: a stem, three stages of ResidualBlocks, a linear head."""

    def __init__(self, num_classes: int, in_channels: int = 3) -> None:
        """Build the stem, a 3x3 convolution to 16 channels (padding 1, no bias) with
        BatchNorm and ReLU; three stages made by `make_layer` with two `ResidualBlock`s
        each, 16 -> 16 (stride 1), 16 -> 32 (stride 2) and 32 -> 64 (stride 2); global
        average pooling; and a linear layer from 64 features to `num_classes` logits.
        """
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
        )
        self.stages = nn.Sequential(
            make_layer(ResidualBlock, 16, 16, num_blocks=2),
            make_layer(ResidualBlock, 16, 32, num_blocks=2, stride=2),
            make_layer(ResidualBlock, 32, 64, num_blocks=2, stride=2),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)  # any H, W -> 1 x 1
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images (B, in_channels, H, W), any H and W."""
        features = self.stages(self.stem(x))  # (B, 64, ceil(H / 4), ceil(W / 4))
        pooled = self.pool(features).flatten(start_dim=1)  # (B, 64)
        return self.fc(pooled)  # (B, num_classes)


if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.randn(2, 8, 6, 9)  # (B, C, H, W): non-square
    print("ResidualBlock(8, 16, stride=2):", tuple(ResidualBlock(8, 16, stride=2)(x).shape))
    print("Bottleneck(8, 4, stride=2):", tuple(Bottleneck(8, 4, stride=2)(x).shape))
    layer = make_layer(Bottleneck, 8, 4, num_blocks=3, stride=2)
    print("make_layer(Bottleneck, 8, 4, 3, 2):", len(layer), "blocks ->", tuple(layer(x).shape))
    block = ResidualBlock(8)
    for p in block.parameters():
        nn.init.zeros_(p)  # a zeroed branch: the block is the identity on x >= 0
    print("zeroed block passes x >= 0 through:", torch.equal(block(x.relu()), x.relu()))
    model = SmallResNet(num_classes=10).eval()
    print("SmallResNet logits:", tuple(model(torch.randn(1, 3, 16, 12)).shape))
