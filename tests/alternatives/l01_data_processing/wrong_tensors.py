"""A plausible wrong solution: the condition is tiled with repeat + view, which scrambles it."""

import torch


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    if prefer is not None:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def stack_samples(samples: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack(samples)  # (N, S)


def concat_features(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cat([a, b], dim=1)  # (B, Fa + Fb)


def condition_feature_map(fmap: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    B, C, H, W = fmap.shape
    D = cond.shape[1]
    cond = cond.to(fmap.device)
    # Wrong: the (B, D * H * W) row holds D values, then D again, ...; viewing it as
    # (B, D, H, W) puts different condition values in one channel.
    tiled = cond.repeat(1, H * W).view(B, D, H, W)
    return torch.cat([fmap, tiled], dim=1)
