"""Bug 6 of the classic series: an in-place operation on a tensor autograd still needs.

Autograd keeps some tensors from the forward pass to compute gradients: ReLU, sigmoid,
tanh and exp keep their output. Writing into such a tensor in place (`h += x`, `h.add_(x)`,
`h.relu_()`) bumps its version counter, and `backward()` then refuses to run. The forward
pass is fine, which is why this bug only shows up at `loss.backward()`. The out-of-place
form, `h = h + x`, makes a new tensor and leaves the saved one alone.

Run it: a classifier with a residual connection trains for a few steps; the script prints
the loss of each step.

Shapes: inputs (B, F) float32, hidden (B, F), logits (B, C).
"""

import torch
from torch import nn


class ResidualClassifier(nn.Module):
    """A residual block then a linear head: logits = head(relu(linear(x)) + x).

    `self.block = nn.Sequential(nn.Linear(features, features), nn.ReLU())`, `self.head =
    nn.Linear(features, num_classes)`. The input is never modified, and gradients flow to
    every parameter and to the input.
    """

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Linear(features, features), nn.ReLU())
        self.head = nn.Linear(features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, features) inputs -> (B, num_classes) logits."""
        h = self.block(x)  # (B, F); ReLU keeps this output for its backward pass
        h = h + x  # (B, F) the skip connection, as a new tensor
        return self.head(h)  # (B, C)


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(16, 4)  # (B, F)
    targets = (inputs[:, 0] > inputs[:, 1]).long()  # (B,)
    model = ResidualClassifier(features=4, num_classes=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(5):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")
