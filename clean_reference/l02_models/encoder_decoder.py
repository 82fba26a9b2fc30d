"""An encoder, a decoder, and the model that chains them: the shape of an autoencoder.

Many models are two networks in a row. The encoder squeezes each input into a short code
(the latent vector); the decoder expands a code back into the input's space. Built as
separate modules, each half can be used alone: the encoder to embed data, the decoder to
generate from a code, the full model to train both at once, for example to reconstruct
its input.

Shapes: x (B, in_features) -> z (B, latent_features) -> x_hat (B, in_features), B >= 1.
The code and the reconstruction are real-valued: no activation follows the last layer of
either half, so both may be negative.
"""

import torch
from torch import nn


class Encoder(nn.Module):
    """Map each input vector to a latent code: Linear, ReLU, Linear."""

    def __init__(self, in_features: int, hidden_features: int, latent_features: int) -> None:
        """Hold `net`, a Sequential of Linear(in, hidden), ReLU, Linear(hidden, latent).

        Weights are saved and loaded by name (`net.0.weight`, `net.2.bias`, …). The code
        is the last layer's output as it is, with no activation after it.
        """
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden_features),
            nn.ReLU(),
            nn.Linear(hidden_features, latent_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The codes (B, latent_features) of x (B, in_features), one row per sample."""
        return self.net(x)  # (B, latent)


class Decoder(nn.Module):
    """Map each latent code back to an output vector: Linear, ReLU, Linear."""

    def __init__(self, latent_features: int, hidden_features: int, out_features: int) -> None:
        """Hold `net`, a Sequential of Linear(latent, hidden), ReLU, Linear(hidden, out).

        Weights are saved and loaded by name (`net.0.weight`, `net.2.bias`, …). The output
        is the last layer's output as it is, with no activation after it.
        """
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_features, hidden_features),
            nn.ReLU(),
            nn.Linear(hidden_features, out_features),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """The outputs (B, out_features) of codes z (B, latent_features)."""
        return self.net(z)  # (B, out)


class FullModel(nn.Module):
    """An encoder followed by a decoder: (B, in_features) -> (B, in_features)."""

    def __init__(self, in_features: int, hidden_features: int, latent_features: int) -> None:
        """Hold `encoder` = Encoder(in, hidden, latent) and `decoder` = Decoder(latent,
        hidden, in), so the output has the input's shape.

        Weights are saved and loaded by name: `encoder.net.0.weight`, …,
        `decoder.net.2.bias`.
        """
        super().__init__()
        self.encoder = Encoder(in_features, hidden_features, latent_features)
        self.decoder = Decoder(latent_features, hidden_features, in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """decoder(encoder(x)): the reconstruction (B, in_features) of x (B, in_features).

        The model's output is exactly what `model.decoder` gives for the code
        `model.encoder(x)`, and training it trains both halves.
        """
        z = self.encoder(x)  # (B, latent): the code
        return self.decoder(z)  # (B, in)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = FullModel(in_features=6, hidden_features=16, latent_features=2)
    x = torch.randn(4, 6)  # (B, in)
    z = model.encoder(x)  # (B, latent)
    x_hat = model(x)  # (B, in)
    print("x", tuple(x.shape), "-> code", tuple(z.shape), "-> reconstruction", tuple(x_hat.shape))
    print("the code may be negative:", z.detach())
    print("output == decoder(encoder(x)):", torch.equal(x_hat, model.decoder(z)))
    loss = nn.functional.mse_loss(x_hat, x)
    loss.backward()
    print("reconstruction loss:", round(loss.item(), 4),
          "| both halves get gradients:", all(p.grad is not None for p in model.parameters()))
