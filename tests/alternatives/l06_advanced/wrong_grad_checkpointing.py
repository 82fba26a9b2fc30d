"""Wrong: the block input is detached before checkpointing.

A learner sees checkpoint's complaint about inputs that do not require grad, or reads that
checkpointing "cuts the graph", and detaches `h`. Outputs stay right, but no gradient flows
back through the blocks to the stem or the input any more.
"""

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
        h = self.stem(x)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                h = h.detach().requires_grad_()  # the mistake: cuts the graph at every block
                h = h + checkpoint(block, h, use_reentrant=False)
            else:
                h = h + block(h)
        return self.head(h)
