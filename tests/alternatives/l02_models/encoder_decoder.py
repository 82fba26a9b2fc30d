"""A correct encoder, decoder and full model written unlike the reference: one shared base
class for both halves, the decoder built before the encoder, and a functional forward."""

from torch import nn
from torch.nn import functional as F


class _TwoLayer(nn.Module):
    def __init__(self, fan_in, hidden, fan_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(fan_in, hidden), nn.ReLU(), nn.Linear(hidden, fan_out))

    def forward(self, x):
        first, _, last = self.net
        return F.linear(F.relu(F.linear(x, first.weight, first.bias)), last.weight, last.bias)


class Encoder(_TwoLayer):
    """in -> latent."""


class Decoder(_TwoLayer):
    """latent -> out."""


class FullModel(nn.Module):
    """decoder(encoder(x)), the decoder registered first."""

    def __init__(self, in_features, hidden_features, latent_features):
        super().__init__()
        self.decoder = Decoder(latent_features, hidden_features, in_features)
        self.encoder = Encoder(in_features, hidden_features, latent_features)

    def forward(self, x):
        return self.decoder.forward(self.encoder.forward(x))
