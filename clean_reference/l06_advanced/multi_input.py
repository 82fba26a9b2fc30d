"""A model with two inputs: an image and a row of tabular features, predicting one class.

Real data often comes in several kinds at once (a scan and the patient's record, a product
photo and its price). Each kind gets a branch suited to it: convolutions for the image,
an MLP for the table. Each branch turns its input into a feature vector per sample; the two
vectors are concatenated side by side and a small head maps them to class logits.

Shapes: image (B, C, H, W) float32, H and W free (pooling removes them), tabular (B, F)
float32, logits (B, num_classes). B may be 1: the model has no BatchNorm, so a single
sample behaves like any other.
"""

import torch
from torch import nn


class MultiInputModel(nn.Module):
    """Classify a sample from its image and its tabular features together."""

    def __init__(self, image_channels: int, tabular_features: int, num_classes: int,
                 image_hidden: int = 8, tabular_hidden: int = 6) -> None:
        """Build both branches and the head, every layer with a bias.

        Weights are saved and loaded by name, so the parameters must carry these names and
        shapes (C = image_channels, F = tabular_features, Hi = image_hidden,
        Ht = tabular_hidden). Every layer but `head.2` is followed by a ReLU:

        - `image_stem.0`: a 3x3 convolution C -> Hi that keeps H and W (padding 1);
        - `image_block.0`: a 3x3 convolution Hi -> Hi that keeps H and W;
        - `tabular_branch.0`: a linear layer F -> Ht;
        - `head.0`: a linear layer Hi + Ht -> Hi + Ht;
        - `head.2`: a linear layer Hi + Ht -> num_classes, whose output is the logits.
        """
        super().__init__()
        self.image_stem = nn.Sequential(
            nn.Conv2d(image_channels, image_hidden, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.image_block = nn.Sequential(
            nn.Conv2d(image_hidden, image_hidden, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)  # any H, W -> 1 x 1
        self.tabular_branch = nn.Sequential(
            nn.Linear(tabular_features, tabular_hidden),
            nn.ReLU(),
        )
        self.head = nn.Sequential(
            nn.Linear(image_hidden + tabular_hidden, image_hidden + tabular_hidden),
            nn.ReLU(),
            nn.Linear(image_hidden + tabular_hidden, num_classes),
        )

    def forward(self, image: torch.Tensor, tabular: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for a batch of images (B, C, H, W) and rows (B, F).

        The image path keeps the stem's feature map and adds the block's output (after its
        ReLU) to it, a residual connection: the block refines the features instead of
        replacing them. Averaging over all positions then leaves one Hi-vector per sample.
        The tabular path gives one Ht-vector per sample. The head reads both vectors side
        by side, the image's first. Any H and W, any B (1 included); the inputs are never
        modified.
        """
        feature_map = self.image_stem(image)  # (B, Hi, H, W)
        # Residual: the block refines the stem's features instead of replacing them.
        feature_map = feature_map + self.image_block(feature_map)  # (B, Hi, H, W)
        pooled = self.pool(feature_map)  # (B, Hi, 1, 1)
        image_features = pooled.flatten(start_dim=1)  # (B, Hi): one vector per sample
        tabular_features = self.tabular_branch(tabular)  # (B, Ht)
        # One vector per sample from each branch, joined into one longer vector.
        features = torch.cat([image_features, tabular_features], dim=1)  # (B, Hi + Ht)
        return self.head(features)  # (B, num_classes)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = MultiInputModel(image_channels=3, tabular_features=5, num_classes=4)
    image = torch.randn(2, 3, 12, 20)  # (B, C, H, W): H and W need not match
    tabular = torch.randn(2, 5)  # (B, F)
    logits = model(image, tabular)  # (B, num_classes)
    print("logits shape:", tuple(logits.shape))
    print("logits:", logits.detach())
    # Each input matters: changing one changes the prediction.
    print("changing the image changes the logits:",
          not torch.allclose(logits, model(torch.randn_like(image), tabular)))
    print("changing the table changes the logits:",
          not torch.allclose(logits, model(image, torch.randn_like(tabular))))
