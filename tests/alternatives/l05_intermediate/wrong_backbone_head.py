"""A plausible mistake: the head squeezes a pooled (B, hidden, 1, 1) map with a bare
squeeze(), which also removes the batch dimension of a batch of one."""

from torch import nn


class Backbone(nn.Module):
    def __init__(self, in_features, hidden_features, dropout=0.5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden_features), nn.BatchNorm1d(hidden_features),
                                 nn.ReLU(), nn.Dropout(dropout))

    def forward(self, x):
        return self.net(x)


class Head(nn.Module):
    def __init__(self, hidden_features, num_classes):
        super().__init__()
        self.linear = nn.Linear(hidden_features, num_classes)

    def forward(self, features):
        return self.linear(features.squeeze())


class Classifier(nn.Module):
    def __init__(self, in_features, hidden_features, num_classes):
        super().__init__()
        self.backbone = Backbone(in_features, hidden_features)
        self.head = Head(hidden_features, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))
