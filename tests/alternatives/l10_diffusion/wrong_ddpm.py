"""A plausible wrong solution: the training step noises x0 with the per-step alphas, not alpha_bar."""

import math

import torch
from torch import nn


def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    if T == 1:
        return torch.tensor([beta_start], dtype=torch.float32)
    steps = torch.arange(T, dtype=torch.float64)
    return (beta_start + (beta_end - beta_start) * steps / (T - 1)).float()


class DiffusionSchedule:
    def __init__(self, T, beta_start=1e-4, beta_end=0.02):
        self.T = T
        self.betas = linear_beta_schedule(T, beta_start, beta_end)
        self.alphas = 1 - self.betas
        products, running = [], 1.0
        for alpha in self.alphas.double().tolist():
            running *= alpha
            products.append(running)
        self.alpha_bar = torch.tensor(products, dtype=torch.float32)


def q_sample(x0, t, noise, alpha_bar):
    coefficient = alpha_bar.to(x0).gather(0, t)
    while coefficient.dim() < x0.dim():
        coefficient = coefficient.unsqueeze(-1)
    signal = torch.sqrt(coefficient)
    spread = torch.sqrt(1 - coefficient)
    return torch.addcmul(spread * noise, signal, x0)


def sinusoidal_embedding(t, dim):
    half = dim // 2
    exponents = torch.arange(0, half, device=t.device, dtype=torch.float32) / half
    freqs = torch.exp(-math.log(10000.0) * exponents)
    angles = torch.outer(t.to(torch.float32), freqs)
    out = torch.empty(t.shape[0], dim, device=t.device)
    out[:, :half] = torch.sin(angles)
    out[:, half:] = torch.cos(angles)
    return out


class NoisePredictor(nn.Module):
    def __init__(self, channels, time_dim=32, hidden=64):
        super().__init__()
        self.time_dim = time_dim
        self.to_channels = nn.Linear(time_dim, 4)
        self.net = nn.Sequential(
            nn.Conv2d(channels + 4, hidden, 3, padding=1),
            nn.GroupNorm(1, hidden),
            nn.GELU(),
            nn.Conv2d(hidden, channels, 1),
        )

    def forward(self, x_t, t):
        code = self.to_channels(sinusoidal_embedding(t, self.time_dim))
        planes = code[:, :, None, None].expand(-1, -1, x_t.shape[2], x_t.shape[3])
        return self.net(torch.cat((x_t, planes), 1))


def ddpm_train_step(model, x0, optimizer, schedule, generator=None):
    noise = x0.new_empty(x0.shape).normal_(generator=generator)
    t = torch.randint(schedule.T, (len(x0),), generator=generator, device=x0.device)
    optimizer.zero_grad(set_to_none=True)
    # Wrong: alphas[t] is one step's share; the closed form needs the product alpha_bar[t].
    prediction = model(q_sample(x0, t, noise, schedule.alphas), t)
    loss = ((prediction - noise) ** 2).mean()
    loss.backward()
    optimizer.step()
    return float(loss)
