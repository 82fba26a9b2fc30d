"""A second, independent solution of the tensors challenge (different idioms from the reference)."""

import torch


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """The caller's choice when there is one, else the first GPU, else the CPU."""
    if isinstance(prefer, torch.device):
        return prefer
    if prefer:
        return torch.device(prefer)
    return torch.device("cuda", 0) if torch.cuda.device_count() > 0 else torch.device("cpu")


def stack_samples(samples: list[torch.Tensor]) -> torch.Tensor:
    """(N, S) from N samples of shape (S,)."""
    return torch.vstack(tuple(samples))  # (N, S)


def concat_features(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(B, Fa + Fb) from (B, Fa) and (B, Fb)."""
    return torch.hstack((a, b))  # (B, Fa + Fb)


def condition_feature_map(fmap: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    """(B, C + D, H, W) from (B, C, H, W) and (B, D)."""
    height, width = fmap.shape[-2:]
    cond = cond.to(device=fmap.device)  # (B, D)
    tiled = cond[:, :, None, None].repeat(1, 1, height, width)  # (B, D, H, W), a real copy
    return torch.concat((fmap, tiled), dim=-3)  # (B, C + D, H, W)
