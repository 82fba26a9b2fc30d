"""A plausible wrong CheckpointedMLP: with use_checkpoint it offloads the blocks' saved
activations to CPU memory (autograd's save_on_cpu) instead of recomputing them. Outputs and
gradients are right and little stays on the device, but nothing is recomputed: this is not
checkpointing, and the activations still take host memory in full."""

import torch
from torch import nn


class CheckpointedMLP(nn.Module):
    def __init__(self, in_features, hidden_features, out_features, num_blocks, use_checkpoint=True):
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.stem = nn.Linear(in_features, hidden_features)
        self.blocks = nn.ModuleList(nn.Sequential(nn.Linear(hidden_features, hidden_features), nn.GELU())
                                    for _ in range(num_blocks))
        self.head = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        h = self.stem(x)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                with torch.autograd.graph.save_on_cpu():
                    h = h + block(h)
            else:
                h = h + block(h)
        return self.head(h)
