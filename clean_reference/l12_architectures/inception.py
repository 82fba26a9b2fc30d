"""Inception: several filter sizes side by side, joined along the channels.

Patterns come at many sizes, and a designer cannot know whether a layer needs a 1x1, a
3x3 or a 5x5 kernel. The Inception module (Szegedy et al., 2014) does not choose: four
branches read the same input, and their outputs are concatenated channel-wise so training
decides how much each scale matters. Cheap 1x1 convolutions reduce the channels before the
costly 3x3 and 5x5 kernels, and project the pooling branch so the width cannot only grow.

Every branch keeps H and W (padding 1 for 3x3 kernels, 2 for 5x5, a stride-1 pool), which
is what makes the concatenation possible. Shapes: (B, C_in, H, W) -> (B, c1 + c3 + c5 +
pool_proj, H, W), any H and W.
"""

import torch
from torch import nn


def conv_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """A convolution that keeps H and W (odd kernel, "same" padding), then a ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2),
        nn.ReLU(),
    )


class InceptionModule(nn.Module):
    """Four parallel branches (1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max pool -> 1x1), concatenated."""

    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int,
                 c5_reduce: int, c5: int, pool_proj: int) -> None:
        """Build the four branches, each convolution followed by a ReLU:

        1. a 1x1 convolution to `c1` channels;
        2. a 1x1 convolution to `c3_reduce`, then a 3x3 convolution (padding 1) to `c3`;
        3. a 1x1 convolution to `c5_reduce`, then a 5x5 convolution (padding 2) to `c5`;
        4. a 3x3 max pool with stride 1 and padding 1, then a 1x1 convolution to `pool_proj`.

        The output holds the branches' channels in that order: c1 + c3 + c5 + pool_proj.
        """
        super().__init__()
        self.branch1 = conv_relu(in_channels, c1, 1)
        self.branch3 = nn.Sequential(conv_relu(in_channels, c3_reduce, 1), conv_relu(c3_reduce, c3, 3))
        self.branch5 = nn.Sequential(conv_relu(in_channels, c5_reduce, 1), conv_relu(c5_reduce, c5, 5))
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            conv_relu(in_channels, pool_proj, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, H, W) -> (B, c1 + c3 + c5 + pool_proj, H, W)."""
        branches = [
            self.branch1(x),  # (B, c1, H, W)
            self.branch3(x),  # (B, c3, H, W)
            self.branch5(x),  # (B, c5, H, W)
            self.branch_pool(x),  # (B, pool_proj, H, W)
        ]
        return torch.cat(branches, dim=1)  # (B, c1 + c3 + c5 + pool_proj, H, W)


if __name__ == "__main__":
    torch.manual_seed(0)
    module = InceptionModule(8, c1=4, c3_reduce=3, c3=6, c5_reduce=2, c5=3, pool_proj=2)
    x = torch.randn(2, 8, 7, 10)  # (B, C, H, W): non-square
    out = module(x)
    print("input:", tuple(x.shape), "-> output:", tuple(out.shape), "(4 + 6 + 3 + 2 channels)")
    for name, branch in module.named_children():
        print(f"{name}: {sum(p.numel() for p in branch.parameters())} weights")
