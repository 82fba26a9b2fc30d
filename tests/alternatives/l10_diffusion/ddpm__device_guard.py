"""A correct DDPM in a scheduler library's manner: q_sample moves the schedule only when it
lives elsewhere (`if alpha_bar.device != x0.device`), gathering with index_select."""

import math

import torch
from torch import nn
from torch.nn import functional as F


def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float32)


class DiffusionSchedule:
    def __init__(self, T, beta_start=1e-4, beta_end=0.02):
        self.T = T
        self.betas = linear_beta_schedule(T, beta_start, beta_end)
        self.alphas = 1.0 - self.betas
        self.alpha_bar = self.alphas.cumprod(dim=0)


def q_sample(x0, t, noise, alpha_bar):
    if alpha_bar.device != x0.device:
        alpha_bar = alpha_bar.to(x0.device)
    picked = alpha_bar.index_select(0, t)
    while picked.dim() < x0.dim():
        picked = picked.unsqueeze(-1)
    return picked.sqrt() * x0 + (1 - picked).sqrt() * noise


def sinusoidal_embedding(t, dim):
    half = dim // 2
    exponent = -math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half
    angles = t[:, None].float() * exponent.exp()[None, :]
    return torch.cat((torch.sin(angles), torch.cos(angles)), dim=-1)


class NoisePredictor(nn.Module):
    def __init__(self, channels, time_dim=32, hidden=64):
        super().__init__()
        self.time_dim = time_dim
        self.to_shift = nn.Sequential(nn.Linear(time_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.stem = nn.Conv2d(channels, hidden, 3, padding=1)
        self.head = nn.Sequential(nn.GELU(), nn.Conv2d(hidden, channels, 3, padding=1))

    def forward(self, x_t, t):
        shift = self.to_shift(sinusoidal_embedding(t, self.time_dim))
        return self.head(self.stem(x_t) + shift[..., None, None])


def ddpm_train_step(model, x0, optimizer, schedule, generator=None):
    noise = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)
    t = torch.randint(schedule.T, (x0.shape[0],), generator=generator, device=x0.device)
    optimizer.zero_grad()
    loss = F.mse_loss(model(q_sample(x0, t, noise, schedule.alpha_bar), t), noise)
    loss.backward()
    optimizer.step()
    return float(loss)
