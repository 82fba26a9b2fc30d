"""A learner's mistake no mutator makes: FullModel passes the hidden and latent sizes to its
halves in the wrong order, so the code is hidden_features wide."""

from torch import nn


class Encoder(nn.Module):
    """Correct."""

    def __init__(self, in_features, hidden_features, latent_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden_features), nn.ReLU(),
                                 nn.Linear(hidden_features, latent_features))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    """Correct."""

    def __init__(self, latent_features, hidden_features, out_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_features, hidden_features), nn.ReLU(),
                                 nn.Linear(hidden_features, out_features))

    def forward(self, z):
        return self.net(z)


class FullModel(nn.Module):
    """hidden and latent swapped."""

    def __init__(self, in_features, hidden_features, latent_features):
        super().__init__()
        self.encoder = Encoder(in_features, latent_features, hidden_features)
        self.decoder = Decoder(hidden_features, latent_features, in_features)

    def forward(self, x):
        return self.decoder(self.encoder(x))
