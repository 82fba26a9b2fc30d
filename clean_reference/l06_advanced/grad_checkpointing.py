"""Gradient checkpointing: trade compute for memory in a deep MLP.

Backward needs the activations of the forward pass, so training normally keeps every one of
them in memory until backward reaches it. A checkpointed block keeps only its input; during
backward it runs its forward again to rebuild what it needs. Memory for activations falls
from one set per layer to one per block boundary, at the price of a second forward pass
through each block. Outputs and gradients are exactly those of the plain model.

Checkpointing only pays in training: without gradients nothing is stored anyway, so in eval
mode the blocks run as usual.

The model: `stem` Linear(in, H), then `num_blocks` residual blocks `h + block(h)`, each
block a Linear(H, H) and a GELU, then `head` Linear(H, out).

Shapes: x (B, in_features) -> hidden (B, H) -> output (B, out_features).
"""

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


class CheckpointedMLP(nn.Module):
    """A residual MLP whose blocks can be recomputed in backward instead of stored.

    With `use_checkpoint=False` it is an ordinary MLP; either way the outputs and gradients
    are the same for the same weights.
    """

    def __init__(self, in_features: int, hidden_features: int, out_features: int,
                 num_blocks: int, use_checkpoint: bool = True) -> None:
        """Layers, by the names their weights are saved under (`state_dict` keys).

        `stem`: Linear(in_features, H). `blocks`: an `nn.ModuleList` of `num_blocks` blocks,
        each an `nn.Sequential` of Linear(H, H) then GELU (keys `blocks.<i>.0.weight`, ...).
        `head`: Linear(H, out_features). H is `hidden_features`. A model built with either
        `use_checkpoint` accepts the other's weights.
        """
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.stem = nn.Linear(in_features, hidden_features)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden_features, hidden_features), nn.GELU())
            for _ in range(num_blocks))
        self.head = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in_features) -> (B, out_features): stem, each residual block `h + block(h)`, head.

        In training with `use_checkpoint`, every block is recomputed in backward rather than
        keeping its activations; in eval mode, or with the flag off, blocks run as usual.
        The blocks get their gradients even when nothing entering them requires grad (a
        frozen `stem` and an input without `requires_grad`, as in fine-tuning).
        """
        h = self.stem(x)  # (B, H)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                # use_reentrant=False: the variant PyTorch recommends; it works with inputs
                # that do not require grad and with torch.autograd.grad.
                residual = checkpoint(block, h, use_reentrant=False)  # (B, H), only h kept
            else:
                residual = block(h)  # (B, H), activations kept for backward
            h = h + residual  # (B, H)
        return self.head(h)  # (B, out_features)


if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.randn(64, 32)  # (B, in_features)
    plain = CheckpointedMLP(32, 256, 10, num_blocks=8, use_checkpoint=False)
    checkpointed = CheckpointedMLP(32, 256, 10, num_blocks=8)
    checkpointed.load_state_dict(plain.state_dict())
    for name, model in (("plain", plain), ("checkpointed", checkpointed)):
        model.train()
        saved = []  # what autograd keeps for backward during one forward pass
        with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t.numel()) or t,
                                                      lambda t: t):
            model(x)
        print(f"{name:>12}: {sum(saved):>7} elements saved for backward")
    plain(x).sum().backward()
    checkpointed(x).sum().backward()
    same = all(torch.allclose(a.grad, b.grad)
               for a, b in zip(plain.parameters(), checkpointed.parameters()))
    print("same gradients:", same)
