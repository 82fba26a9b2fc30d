"""Tensors: choosing a device, building batches, and joining features along the right axis.

Every later level depends on two facts about each tensor: its shape (which axis is the
batch, which the features or channels) and its device (a GPU computation needs every
operand on the GPU). These four helpers are the building blocks later levels reuse
(level 02 conditions its models with them).

Shape conventions: N samples of S values each; a batch of B rows of F features; feature
maps are (B, C, H, W) (channels first, as `nn.Conv2d` expects); a condition vector per
sample is (B, D). No helper modifies the tensors it is given.
"""

import torch


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """The device to compute on: `prefer` when the caller names one (a string such as
    "cuda:1" or a `torch.device`), otherwise the CUDA GPU when PyTorch can see one,
    otherwise the CPU. Always a `torch.device`, never a string."""
    if prefer is not None:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def stack_samples(samples: list[torch.Tensor]) -> torch.Tensor:
    """Turn N one-dimensional samples of length S into one batch of shape (N, S):
    one row per sample, so that `batch[i]` is `samples[i]`."""
    return torch.stack(samples, dim=0)  # (N, S)


def concat_features(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Join two views of the same B samples, (B, Fa) and (B, Fb), into (B, Fa + Fb):
    each row keeps its own sample's features, `a`'s first."""
    return torch.cat([a, b], dim=1)  # (B, Fa + Fb)


def condition_feature_map(fmap: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    """Append a per-sample condition to every pixel of a feature map.

    `fmap` is (B, C, H, W) and `cond` is (B, D); the result is (B, C + D, H, W), where
    channels C..C+D-1 hold sample b's condition at every position (h, w). This is how a
    class label or a time step is fed to a convolutional network. The result lives on
    `fmap`'s device, whichever device `cond` arrives on.
    """
    B, C, H, W = fmap.shape
    cond = cond.to(fmap.device)  # (B, D), beside the feature map
    cond_map = cond.unsqueeze(-1).unsqueeze(-1)  # (B, D, 1, 1)
    cond_map = cond_map.expand(-1, -1, H, W)  # (B, D, H, W), a broadcast view: no copy
    return torch.cat([fmap, cond_map], dim=1)  # (B, C + D, H, W)


if __name__ == "__main__":
    device = pick_device()
    print(f"computing on {device}")
    samples = [torch.arange(3.0) + 10 * i for i in range(4)]  # 4 samples of length 3
    batch = stack_samples(samples)  # (4, 3)
    print("stacked:", tuple(batch.shape), "\n", batch)
    joined = concat_features(batch, torch.ones(4, 2))  # (4, 5)
    print("features joined:", tuple(joined.shape), "\n", joined)
    fmap = torch.zeros(2, 3, 4, 5, device=device)  # (B=2, C=3, H=4, W=5)
    cond = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # (B=2, D=2), still on the CPU
    out = condition_feature_map(fmap, cond)  # (2, 5, 4, 5)
    print("conditioned map:", tuple(out.shape), "on", out.device)
    print("sample 1, channel 3 (its first condition value) everywhere:\n", out[1, 3])
