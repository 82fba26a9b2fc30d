"""Alternative CheckpointedMLP: the residual add inside the checkpoint, blocks built one by one."""

import torch
import torch.utils.checkpoint as ckpt
from torch import nn


class CheckpointedMLP(nn.Module):
    """A residual MLP whose blocks can be recomputed in backward instead of stored."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int,
                 num_blocks: int, use_checkpoint: bool = True) -> None:
        super().__init__()
        width = hidden_features
        self.head = nn.Linear(width, out_features)
        self.blocks = nn.ModuleList()
        for _ in range(num_blocks):
            self.blocks.append(nn.Sequential())
            self.blocks[-1].add_module("0", nn.Linear(width, width))
            self.blocks[-1].add_module("1", nn.GELU())
        self.stem = nn.Linear(in_features, width)
        self.use_checkpoint = use_checkpoint

    @staticmethod
    def _residual(block: nn.Module, h: torch.Tensor) -> torch.Tensor:
        return h + block(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        recompute = self.use_checkpoint and self.training and torch.is_grad_enabled()
        h = self.stem(x)
        for block in self.blocks:
            if recompute:
                h = ckpt.checkpoint(self._residual, block, h, use_reentrant=False)
            else:
                h = self._residual(block, h)
        return self.head(h)
