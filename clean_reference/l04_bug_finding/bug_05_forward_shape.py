"""Bug 5 of the classic series: the wrong shape in `forward`.

Between the convolutional part of a CNN and its linear classifier, each sample's feature
map is flattened into one row: (B, C, H, W) -> (B, C * H * W). The batch dimension must
survive. `flatten()` with no argument flattens everything, batch included; `flatten(1)`
(or `view(B, -1)`) keeps one row per sample.

Run it: a batch of non-square images goes through a small CNN; the script prints the shape
after every stage and the logits' shape.

Shapes: images (B, C, H, W), features (B, 8, H // 2, W // 2), rows (B, 8 * (H // 2) * (W // 2)),
logits (B, num_classes).
"""

import torch
from torch import nn


class SmallCNN(nn.Module):
    """conv 3x3 (8 channels, padding 1) -> ReLU -> 2x2 max-pool -> one row per sample -> linear.

    Layers: `self.conv = nn.Conv2d(in_channels, 8, 3, padding=1)`, `self.pool =
    nn.MaxPool2d(2)`, `self.linear = nn.Linear(8 * (height // 2) * (width // 2),
    num_classes)`, for images of exactly `height` x `width`.
    """

    def __init__(self, in_channels: int, num_classes: int, height: int, width: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.linear = nn.Linear(8 * (height // 2) * (width // 2), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) images -> (B, num_classes) logits, for any batch size, 1 included."""
        x = self.pool(torch.relu(self.conv(x)))  # (B, 8, H // 2, W // 2)
        x = x.flatten(1)  # (B, 8 * (H // 2) * (W // 2)): one row per sample
        return self.linear(x)  # (B, num_classes)


if __name__ == "__main__":
    torch.manual_seed(0)
    images = torch.randn(4, 1, 12, 10)  # (B, C, H, W), not square
    model = SmallCNN(in_channels=1, num_classes=3, height=12, width=10)
    print(f"images {tuple(images.shape)}")
    print(f"after conv and pool {tuple(model.pool(torch.relu(model.conv(images))).shape)}")
    logits = model(images)
    print(f"logits {tuple(logits.shape)}: one row of class scores per image")
