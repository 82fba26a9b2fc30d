"""Bug 2 of the classic series: concatenating along the wrong dimension.

A model with two inputs, say image features from one backbone and text features from
another, joins them into one vector per sample before its classifier. The features of a
sample sit along dim 1; dim 0 is the batch. `torch.cat` joins along the dim it is given,
and joining along the batch stacks the two inputs as if they were more samples.

Run it: a batch of image and text features goes through the model; the script prints the
shapes and the predicted classes.

Shapes: image (B, Fi), text (B, Ft), fused (B, Fi + Ft), logits (B, C).
"""

import torch
from torch import nn


class FusionClassifier(nn.Module):
    """Classify each sample from two feature vectors: logits = linear([image, text]).

    `self.linear` is `nn.Linear(image_features + text_features, num_classes)`; it sees each
    sample's image features followed by the same sample's text features.
    """

    def __init__(self, image_features: int, text_features: int, num_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(image_features + text_features, num_classes)

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """(B, Fi) image features and (B, Ft) text features -> (B, num_classes) logits."""
        fused = torch.cat([image, text], dim=1)  # (B, Fi + Ft): one row per sample
        return self.linear(fused)  # (B, C)


if __name__ == "__main__":
    torch.manual_seed(0)
    image = torch.randn(4, 6)  # (B, Fi) from an image backbone
    text = torch.randn(4, 3)  # (B, Ft) from a text encoder
    model = FusionClassifier(image_features=6, text_features=3, num_classes=5)
    logits = model(image, text)
    print(f"image {tuple(image.shape)} + text {tuple(text.shape)} -> logits {tuple(logits.shape)}")
    print("predicted classes:", logits.argmax(dim=1).tolist())
