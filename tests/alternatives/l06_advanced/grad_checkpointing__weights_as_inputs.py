"""CheckpointedMLP with a functional block: its weights go into the checkpoint as inputs.

Parameters passed to `checkpoint` are kept for backward, but they are alive anyway: this
costs no activation memory, and a memory check must not count it.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint


def _block(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return F.gelu(F.linear(h, weight, bias))  # (B, H)


class CheckpointedMLP(nn.Module):
    """A residual MLP whose blocks can be recomputed in backward instead of stored."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int,
                 num_blocks: int, use_checkpoint: bool = True) -> None:
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.stem = nn.Linear(in_features, hidden_features)
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(hidden_features, hidden_features),
                                                   nn.GELU()) for _ in range(num_blocks)])
        self.head = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)  # (B, H)
        for block in self.blocks:
            linear = block[0]
            if self.training and self.use_checkpoint:
                h = h + checkpoint(_block, h, linear.weight, linear.bias, use_reentrant=False)
            else:
                h = h + _block(h, linear.weight, linear.bias)
        return self.head(h)  # (B, out_features)
