"""A classifier split in two: a backbone that makes features and a head that reads them.

Transfer learning and two-stage training rely on this split. The backbone turns a raw
input into a feature vector and can be reused, frozen or swapped; the head is a single
linear layer from those features to class logits, cheap to retrain for a new task. The
backbone normalises with BatchNorm and regularises with Dropout, the two layers that behave
differently in train and eval mode.

Shapes: inputs (B, in_features) float32, features (B, hidden_features), logits
(B, num_classes). B may be 1 in eval mode; in train mode BatchNorm needs B >= 2.
"""

import torch
from torch import nn


class Backbone(nn.Module):
    """Turn inputs (B, in_features) into features (B, hidden_features)."""

    def __init__(self, in_features: int, hidden_features: int, dropout: float = 0.5) -> None:
        """One block, `self.net`, whose layers are, in this order (weights load by name):

        - `net.0`: a linear layer in_features -> hidden_features;
        - `net.1`: BatchNorm1d over the hidden_features;
        - `net.2`: ReLU;
        - `net.3`: Dropout with probability `dropout`.
        """
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden_features),
            nn.BatchNorm1d(hidden_features),
            nn.ReLU(),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features (B, hidden_features) for inputs (B, in_features)."""
        return self.net(x)  # (B, hidden)


class Head(nn.Module):
    """Map features to class logits with one linear layer, `self.linear`."""

    def __init__(self, hidden_features: int, num_classes: int) -> None:
        """`linear`: a linear layer hidden_features -> num_classes, with a bias."""
        super().__init__()
        self.linear = nn.Linear(hidden_features, num_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for features (B, hidden_features), any B (1 included).

        A pooled feature map from a convolutional backbone, (B, hidden_features, 1, 1),
        works too: everything after the batch dimension is read as one feature vector.
        """
        features = features.flatten(1)  # (B, hidden): a pooled (B, hidden, 1, 1) map too
        return self.linear(features)  # (B, num_classes)


class Classifier(nn.Module):
    """A `Backbone` followed by a `Head`, kept as `.backbone` and `.head`."""

    def __init__(self, in_features: int, hidden_features: int, num_classes: int) -> None:
        """`backbone`: Backbone(in_features, hidden_features) with its default dropout;
        `head`: Head(hidden_features, num_classes)."""
        super().__init__()
        self.backbone = Backbone(in_features, hidden_features)
        self.head = Head(hidden_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for inputs (B, in_features): the head reads the
        backbone's features."""
        features = self.backbone(x)  # (B, hidden)
        return self.head(features)  # (B, num_classes)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = Classifier(in_features=6, hidden_features=16, num_classes=3)
    print(model)
    x = torch.randn(4, 6)  # (B, in_features)
    model.train()
    print("train mode, two passes differ (Dropout):", not torch.equal(model(x), model(x)))
    model.eval()
    print("eval mode, two passes agree:", torch.equal(model(x), model(x)))
    print("one sample in eval mode -> logits of shape", tuple(model(x[:1]).shape))
    pooled = torch.randn(2, 16, 1, 1)  # (B, hidden, 1, 1) from a convolutional backbone
    print("head on a pooled map -> logits of shape", tuple(model.head(pooled).shape))
