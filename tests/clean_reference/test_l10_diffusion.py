"""Level 10 reference against the DDPM closed forms and PyTorch's own functions."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from clean_reference.l10_diffusion import (
    DiffusionSchedule,
    NoisePredictor,
    ddpm_train_step,
    linear_beta_schedule,
    q_sample,
    sinusoidal_embedding,
)

# --- schedule -----------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1, 2, 10, 1000])
def test_linear_schedule_is_evenly_spaced_float32(T):
    betas = linear_beta_schedule(T, 1e-4, 0.02)
    assert betas.shape == (T,) and betas.dtype == torch.float32
    torch.testing.assert_close(betas, torch.linspace(1e-4, 0.02, T))
    assert betas[0].item() == pytest.approx(1e-4)
    if T > 1:
        assert betas[-1].item() == pytest.approx(0.02)


def test_alpha_bar_is_the_running_product_of_the_alphas():
    schedule = DiffusionSchedule(50, beta_start=0.01, beta_end=0.3)
    assert schedule.T == 50
    torch.testing.assert_close(schedule.alphas, 1 - schedule.betas)
    expected, product = [], 1.0
    for alpha in schedule.alphas.double().tolist():
        product *= alpha
        expected.append(product)
    torch.testing.assert_close(schedule.alpha_bar, torch.tensor(expected, dtype=torch.float32))
    assert schedule.alpha_bar[0].item() == pytest.approx(1 - 0.01)  # t = 0 is one step of noise
    assert bool((schedule.alpha_bar[1:] < schedule.alpha_bar[:-1]).all())


# --- q_sample -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 2, 4, 3), (4, 4), (1, 1, 2, 5), (2, 3, 1, 1)])
def test_q_sample_closed_form_per_sample(shape):
    generator = torch.Generator().manual_seed(0)
    schedule = DiffusionSchedule(20, beta_end=0.2)
    x0, noise = torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)
    t = torch.randint(0, 20, (shape[0],), generator=generator)
    x_t = q_sample(x0, t, noise, schedule.alpha_bar)
    assert x_t.shape == x0.shape
    for i in range(shape[0]):
        a = schedule.alpha_bar[t[i]]
        torch.testing.assert_close(x_t[i], a.sqrt() * x0[i] + (1 - a).sqrt() * noise[i])
        torch.testing.assert_close(x_t[i:i + 1], q_sample(x0[i:i + 1], t[i:i + 1], noise[i:i + 1], schedule.alpha_bar))


def test_q_sample_mean_and_variance_match_the_forward_process():
    """q(x_t | x0) = N(sqrt(alpha_bar_t) x0, (1 - alpha_bar_t) I), and iterating the single
    steps x_s = sqrt(alpha_s) x_{s-1} + sqrt(beta_s) eps gives the same distribution."""
    torch.manual_seed(0)
    schedule = DiffusionSchedule(10, beta_start=0.05, beta_end=0.3)
    n, t = 200_000, 6
    x0 = torch.full((n, 1), 1.5)
    x_t = q_sample(x0, torch.full((n,), t), torch.randn(n, 1), schedule.alpha_bar)
    a = schedule.alpha_bar[t]
    assert x_t.mean().item() == pytest.approx((a.sqrt() * 1.5).item(), abs=0.01)
    assert x_t.var().item() == pytest.approx((1 - a).item(), abs=0.01)
    chain = x0.clone()
    for s in range(t + 1):
        chain = schedule.alphas[s].sqrt() * chain + schedule.betas[s].sqrt() * torch.randn(n, 1)
    assert chain.mean().item() == pytest.approx(x_t.mean().item(), abs=0.01)
    assert chain.var().item() == pytest.approx(x_t.var().item(), abs=0.01)


def test_q_sample_moves_the_schedule_to_the_batch_device():
    schedule = DiffusionSchedule(10)
    x0 = torch.empty(3, 2, 4, 4, device="meta")
    t = torch.zeros(3, dtype=torch.int64, device="meta")
    assert q_sample(x0, t, torch.empty_like(x0), schedule.alpha_bar).device.type == "meta"


# --- embedding and network ----------------------------------------------------------------

def test_sinusoidal_embedding_formula():
    t = torch.tensor([0, 1, 7, 999])
    emb = sinusoidal_embedding(t, 8)
    assert emb.shape == (4, 8) and emb.dtype == torch.float32
    freqs = torch.tensor([10000.0 ** (-j / 4) for j in range(4)], dtype=torch.float64)
    angles = t.double()[:, None] * freqs
    torch.testing.assert_close(emb, torch.cat([angles.sin(), angles.cos()], dim=1).float(), atol=1e-4, rtol=0)
    torch.testing.assert_close(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4))


def test_noise_predictor_shapes_independence_and_gradients():
    torch.manual_seed(0)
    model = NoisePredictor(channels=2, time_dim=8, hidden=8).eval()
    x = torch.randn(3, 2, 5, 3, requires_grad=True)
    t = torch.tensor([0, 10, 500])
    out = model(x, t)
    assert out.shape == x.shape
    together = out.detach()
    alone = torch.cat([model(x[i:i + 1], t[i:i + 1]) for i in range(3)]).detach()
    torch.testing.assert_close(together, alone)
    assert not torch.allclose(model(x, t + 1), out)
    (out * torch.randn_like(out)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    assert x.grad.abs().sum() > 0


# --- the training step --------------------------------------------------------------------

class Recorder(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.5))
        self.seen = []

    def forward(self, x_t, t):
        self.seen.append((x_t.detach().clone(), t.clone()))
        return self.scale * x_t


def test_train_step_targets_the_noise_that_made_x_t():
    schedule = DiffusionSchedule(8, beta_start=0.05, beta_end=0.5)
    x0 = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    model = Recorder()
    model.scale.grad = torch.tensor(9.0)  # stale: must be cleared
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = ddpm_train_step(model, x0, optimizer, schedule, torch.Generator().manual_seed(0))
    (x_t, t), = model.seen
    assert t.dtype == torch.int64 and t.shape == (64,) and set(t.tolist()) <= set(range(8))
    a = schedule.alpha_bar[t][:, None]
    noise = (x_t - a.sqrt() * x0) / (1 - a).sqrt()
    assert isinstance(loss, float)
    assert loss == pytest.approx(F.mse_loss(0.5 * x_t, noise).item(), rel=1e-5)
    grad = (2 * (0.5 * x_t - noise) * x_t).mean()
    assert model.scale.item() == pytest.approx(0.5 - 0.1 * grad.item(), rel=1e-5)
    assert abs(noise.mean().item()) < 0.3 and 0.7 < noise.std().item() < 1.3


def test_train_step_follows_the_generator_not_the_global_rng_and_keeps_the_mode():
    schedule = DiffusionSchedule(100)
    x0 = torch.randn(4, 1, 3, 3)
    results = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        model = Recorder().eval()
        ddpm_train_step(model, x0, torch.optim.SGD(model.parameters(), lr=0.1), schedule,
                        torch.Generator().manual_seed(5))
        assert not model.training
        results.append(model.seen[0])
    torch.testing.assert_close(results[0], results[1], rtol=0, atol=0)


def test_train_step_draws_every_step():
    schedule = DiffusionSchedule(4)
    model = Recorder()
    ddpm_train_step(model, torch.zeros(200, 1), torch.optim.SGD(model.parameters(), lr=0.0), schedule,
                    torch.Generator().manual_seed(0))
    assert sorted(set(model.seen[0][1].tolist())) == [0, 1, 2, 3]


def test_training_the_predictor_lowers_the_loss():
    torch.manual_seed(0)
    schedule = DiffusionSchedule(100)
    model = NoisePredictor(channels=1, time_dim=8, hidden=16)
    start = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    data = torch.sign(torch.randn(32, 1, 4, 4))
    for _ in range(60):
        ddpm_train_step(model, data, optimizer, schedule, torch.Generator().manual_seed(1))
    before = ddpm_train_step(start, data, torch.optim.SGD(start.parameters(), lr=0.0), schedule,
                             torch.Generator().manual_seed(1))
    after = ddpm_train_step(model, data, torch.optim.SGD(model.parameters(), lr=0.0), schedule,
                            torch.Generator().manual_seed(1))
    assert after < before
