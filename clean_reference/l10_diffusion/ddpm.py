"""DDPM: the noise schedule, the forward process in one shot, and the noise-prediction step.

A denoising diffusion model (Ho et al., 2020) learns to undo a fixed process that turns data
into noise over T small steps. Step t adds Gaussian noise of variance beta_t, and the whole
chain up to t has a closed form, x_t = sqrt(alpha_bar_t) * x0 + sqrt(1 - alpha_bar_t) * eps,
so training never simulates the chain: it picks a random step per sample, noises x0 to x_t
in one go, and teaches a network to predict the noise eps from (x_t, t) with a plain MSE.

Shapes: x0, x_t and eps share one shape (B, ...): images (B, C, H, W) or vectors (B, D).
t is (B,) int64 in [0, T); the schedule's tensors are (T,) float32, indexed by t.
"""

import torch
import torch.nn.functional as F
from torch import nn


def linear_beta_schedule(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """The T per-step noise variances, float32 (T,), evenly spaced from beta_start to beta_end."""
    return torch.linspace(beta_start, beta_end, T)  # (T,)


class DiffusionSchedule:
    """The DDPM schedule for T steps: `.T`, and the (T,) tensors `.betas`, `.alphas`, `.alpha_bar`.

    `betas` come from `linear_beta_schedule(T, beta_start, beta_end)`; `alphas[t]` is
    `1 - betas[t]`, the share of the signal one step keeps; `alpha_bar[t]` is the product of
    `alphas[0]` up to and including `alphas[t]`, the share the first t + 1 steps keep.
    """

    def __init__(self, T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> None:
        self.T = T
        self.betas = linear_beta_schedule(T, beta_start, beta_end)  # (T,)
        self.alphas = 1.0 - self.betas  # (T,)
        self.alpha_bar = torch.cumprod(self.alphas, dim=0)  # (T,), falls from ~1 towards 0


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
             alpha_bar: torch.Tensor) -> torch.Tensor:
    """Noise each sample of x0 to its own step: sqrt(alpha_bar[t]) * x0 + sqrt(1 - alpha_bar[t]) * noise.

    `x0` and `noise` share a shape (B, ...) of any rank, (B, C, H, W) and (B, D) included;
    `t` is a (B,) int64 tensor on x0's device, one step per sample; `alpha_bar` is the (T,)
    schedule, on any device (it is moved to x0's). Returns x_t, shaped like x0. Sample i is
    noised with its own step t[i] only. No input is modified.
    """
    # One coefficient per sample, shaped to broadcast over all of x0's other dims.
    alpha_bar_t = alpha_bar.to(x0.device)[t].view(-1, *[1] * (x0.dim() - 1))  # (B, 1, ..., 1)
    return alpha_bar_t.sqrt() * x0 + (1.0 - alpha_bar_t).sqrt() * noise  # like x0


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The transformer's sinusoidal code of each step: (B,) int64 -> (B, dim) float32, dim even.

    Column j < dim/2 is sin(t * f_j) and column dim/2 + j is cos(t * f_j), with frequencies
    f_j = 10000 ** (-j / (dim/2)) from 1 down towards 1/10000. Built on t's device.
    """
    half = dim // 2
    freqs = 10000.0 ** (-torch.arange(half, device=t.device) / half)  # (dim/2,)
    angles = t.float().unsqueeze(1) * freqs.unsqueeze(0)  # (B, dim/2): one row per sample
    return torch.cat([angles.sin(), angles.cos()], dim=1)  # (B, dim)


class NoisePredictor(nn.Module):
    """The network eps_theta(x_t, t): predicts the noise in images x_t (B, channels, H, W).

    `model(x_t, t)` with t a (B,) int64 tensor of steps returns a (B, channels, H, W) tensor
    for any B, H and W. The step enters through `sinusoidal_embedding(t, time_dim)`, so the
    prediction depends on both x_t and t. Each sample's prediction depends on that sample
    alone (the network has no BatchNorm), and its inputs are never modified.
    """

    def __init__(self, channels: int, time_dim: int = 32, hidden: int = 64) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.conv_in = nn.Conv2d(channels, hidden, kernel_size=3, padding=1)
        self.body = nn.Sequential(
            nn.SiLU(), nn.Conv2d(hidden, hidden, kernel_size=3, padding=1),
            nn.SiLU(), nn.Conv2d(hidden, channels, kernel_size=3, padding=1),
        )

    def forward(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Predicted noise (B, C, H, W) for noisy images x_t (B, C, H, W) at steps t (B,)."""
        emb = self.time_mlp(sinusoidal_embedding(t, self.time_dim))  # (B, hidden)
        # The step shifts every feature map, the same at every pixel.
        h = self.conv_in(x_t) + emb[:, :, None, None]  # (B, hidden, H, W)
        return self.body(h)  # (B, C, H, W)


def ddpm_train_step(model: nn.Module, x0: torch.Tensor, optimizer: torch.optim.Optimizer,
                    schedule: DiffusionSchedule, generator: torch.Generator | None = None) -> float:
    """One optimizer step of the DDPM objective on a clean batch x0 (B, ...); returns the loss.

    Draws a step t uniformly from [0, schedule.T) and standard Gaussian noise for every
    sample, on x0's device, from `generator` (made for that device) or from the global RNG
    when it is None; noises x0 with `q_sample`, and takes one step on the mean squared error
    between `model(x_t, t)` and that noise. Stale gradients are cleared first; the model's
    train/eval mode is the caller's. Returns the loss as a Python float.
    """
    B = x0.shape[0]
    t = torch.randint(0, schedule.T, (B,), generator=generator, device=x0.device)  # (B,) int64
    noise = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)  # like x0
    x_t = q_sample(x0, t, noise, schedule.alpha_bar)  # like x0
    optimizer.zero_grad()
    loss = F.mse_loss(model(x_t, t), noise)  # the network's target is the noise itself
    loss.backward()
    optimizer.step()
    return loss.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    schedule = DiffusionSchedule(T=1000)
    print("alpha_bar at t = 0, 250, 500, 999:",
          [round(schedule.alpha_bar[i].item(), 4) for i in (0, 250, 500, 999)])
    x0 = torch.rand(8, 1, 8, 8) * 2 - 1  # (B, C, H, W) toy images in [-1, 1]
    t = torch.tensor([0, 100, 300, 500, 700, 900, 950, 999])  # (B,)
    x_t = q_sample(x0, t, torch.randn_like(x0), schedule.alpha_bar)  # (B, C, H, W)
    print("x_t std per sample (grows with t):", [round(s, 2) for s in x_t.std(dim=(1, 2, 3)).tolist()])
    model = NoisePredictor(channels=1, time_dim=16, hidden=16)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    generator = torch.Generator().manual_seed(0)
    data = torch.sign(torch.randn(64, 1, 8, 8))  # (N, C, H, W) a toy dataset of +-1 pixels
    for step in range(61):
        batch = data[torch.randint(0, 64, (16,), generator=generator)]  # (B, C, H, W)
        loss = ddpm_train_step(model, batch, optimizer, schedule, generator)
        if step % 20 == 0:
            print(f"step {step:3d}: noise-prediction loss {loss:.4f}")
