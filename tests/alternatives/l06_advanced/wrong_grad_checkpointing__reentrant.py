"""A plausible mistake: the reentrant checkpoint, which drops the blocks' gradients when
nothing entering them requires grad (a frozen stem while fine-tuning)."""

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


class CheckpointedMLP(nn.Module):
    """A residual MLP whose blocks can be recomputed in backward instead of stored."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int,
                 num_blocks: int, use_checkpoint: bool = True) -> None:
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.stem = nn.Linear(in_features, hidden_features)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden_features, hidden_features), nn.GELU())
            for _ in range(num_blocks))
        self.head = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)  # (B, H)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                h = h + checkpoint(block, h, use_reentrant=True)
            else:
                h = h + block(h)
        return self.head(h)  # (B, out_features)
