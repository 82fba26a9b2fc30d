"""VGG: one small block, repeated. And the smallest CNN classifier built the same way.

VGG (Simonyan and Zisserman, 2014) builds a network from a single block: a few 3x3
convolutions that keep the height and width (padding 1), each followed by a ReLU, then a
2x2 max pool that halves them. Stacked 3x3 kernels see as far as one large kernel with
fewer weights and more non-linearity; the pool alone reduces resolution.

`SimpleCNN` is the classifier every later model refines: two such stages, global average
pooling (so any input size works), and a linear layer that turns the pooled features into
class logits.

Shapes: images (B, C, H, W) float32, H and W free (at least 4 for SimpleCNN); a VGGBlock
returns (B, C_out, H // 2, W // 2); logits are (B, num_classes).
"""

import torch
from torch import nn


class VGGBlock(nn.Module):
    """`num_convs` 3x3 convolutions with ReLUs, then a 2x2 max pool that halves H and W."""

    def __init__(self, in_channels: int, out_channels: int, num_convs: int) -> None:
        """Build the block: the first convolution maps `in_channels` to `out_channels`,
        the others keep `out_channels`.

        Every convolution is 3x3 with padding 1 (it keeps H and W) and is followed by a
        ReLU. The block ends with a 2x2 max pool of stride 2: (B, C_in, H, W) becomes
        (B, C_out, H // 2, W // 2), an odd last row or column dropped. No normalisation.
        """
        super().__init__()
        layers = []
        channels = in_channels
        for _ in range(num_convs):
            layers.append(nn.Conv2d(channels, out_channels, kernel_size=3, padding=1))
            layers.append(nn.ReLU())
            channels = out_channels  # every later convolution keeps the width
        layers.append(nn.MaxPool2d(kernel_size=2))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, H, W) -> (B, C_out, H // 2, W // 2)."""
        return self.layers(x)


class SimpleCNN(nn.Module):
    """A small image classifier: two VGG-style stages, global pooling, a linear layer."""

    def __init__(self, in_channels: int, num_classes: int, width: int = 16) -> None:
        """Build two stages, `VGGBlock(in_channels, width, 1)` then
        `VGGBlock(width, 2 * width, 1)`, then global average pooling and a linear layer
        from `2 * width` features to `num_classes` logits.

        Images of any height and width of at least 4 work, square or not, and any batch
        size (1 included): the model has no BatchNorm, so a sample's logits never depend
        on the rest of its batch.
        """
        super().__init__()
        self.features = nn.Sequential(
            VGGBlock(in_channels, width, num_convs=1),
            VGGBlock(width, 2 * width, num_convs=1),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)  # any H, W -> 1 x 1
        self.classifier = nn.Linear(2 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images (B, C_in, H, W)."""
        features = self.features(x)  # (B, 2 * width, H // 4, W // 4)
        pooled = self.pool(features)  # (B, 2 * width, 1, 1)
        flat = pooled.flatten(start_dim=1)  # (B, 2 * width): one vector per sample
        return self.classifier(flat)  # (B, num_classes)


if __name__ == "__main__":
    torch.manual_seed(0)
    block = VGGBlock(3, 8, num_convs=2)
    image = torch.randn(2, 3, 9, 12)  # (B, C, H, W): non-square, odd height
    print("VGGBlock(3, 8, 2):", tuple(image.shape), "->", tuple(block(image).shape))
    print("weights in the block:", sum(p.numel() for p in block.parameters()))
    model = SimpleCNN(in_channels=3, num_classes=5)
    logits = model(image)  # (B, num_classes)
    print("SimpleCNN logits:", tuple(logits.shape))
    print(logits.detach())
