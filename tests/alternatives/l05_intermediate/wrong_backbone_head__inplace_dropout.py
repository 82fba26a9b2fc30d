"""A plausible wrong backbone: Dropout(inplace=True) after the ReLU "to save memory". It
overwrites the ReLU output that ReLU's backward needs, so a training step fails as soon
as Dropout is active (p > 0); eval mode and p = 0 are unaffected."""

from collections import OrderedDict

import torch.nn.functional as F
from torch import nn


class Backbone(nn.Module):
    def __init__(self, in_features, hidden_features, dropout=0.5):
        super().__init__()
        parts = OrderedDict()
        parts["0"] = nn.Linear(in_features, hidden_features)
        parts["1"] = nn.BatchNorm1d(num_features=hidden_features)
        parts["2"] = nn.ReLU()
        parts["3"] = nn.Dropout(p=dropout, inplace=True)
        self.net = nn.Sequential(parts)

    def forward(self, x):
        for layer in self.net:
            x = layer(x)
        return x


class Head(nn.Module):
    def __init__(self, hidden_features, num_classes):
        super().__init__()
        self.linear = nn.Linear(in_features=hidden_features, out_features=num_classes)

    def forward(self, features):
        rows = features.reshape(features.shape[0], -1)
        return F.linear(rows, self.linear.weight, self.linear.bias)


class Classifier(nn.Module):
    def __init__(self, in_features, hidden_features, num_classes):
        super().__init__()
        self.add_module("backbone", Backbone(in_features, hidden_features))
        self.add_module("head", Head(hidden_features, num_classes))

    def forward(self, x):
        return self.head(self.backbone(x))
