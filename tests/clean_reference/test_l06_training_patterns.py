"""Level 06 references against PyTorch itself: two-input model, clipped step, accumulation."""

import copy

import pytest
import torch
from torch import nn

from clean_reference.l06_advanced.accumulation import train_epoch_accumulated
from clean_reference.l06_advanced.clipping import train_step_clipped
from clean_reference.l06_advanced.multi_input import MultiInputModel

CPU = torch.device("cpu")


def mlp(seed: int = 0) -> nn.Module:
    """A deterministic classifier (no Dropout), so split and merged runs can be compared."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


def batches(sizes: list[int], seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randn(size, 5, generator=generator), torch.randint(0, 3, (size,), generator=generator))
            for size in sizes]


def merged(parts: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cat([x for x, _ in parts]), torch.cat([y for _, y in parts])


def stale_gradients(model: nn.Module) -> None:
    for parameter in model.parameters():
        parameter.grad = torch.full_like(parameter, 3.0)


def assert_same_parameters(a: nn.Module, b: nn.Module) -> None:
    for got, expected in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


# --- multi_input ------------------------------------------------------------------------

@pytest.mark.parametrize("batch, height, width", [(1, 5, 3), (4, 2, 7), (3, 6, 6)])
def test_multi_input_logits_have_one_row_per_sample(batch, height, width):
    torch.manual_seed(0)
    model = MultiInputModel(image_channels=2, tabular_features=4, num_classes=3)
    logits = model(torch.randn(batch, 2, height, width), torch.randn(batch, 4))
    assert logits.shape == (batch, 3)


def test_multi_input_samples_do_not_mix():
    torch.manual_seed(0)
    model = MultiInputModel(3, 5, 4)
    image, tabular = torch.randn(3, 3, 4, 9), torch.randn(3, 5)
    together = model(image, tabular)
    alone = torch.cat([model(image[i:i + 1], tabular[i:i + 1]) for i in range(3)])
    torch.testing.assert_close(together, alone)


def test_multi_input_depends_on_both_inputs():
    torch.manual_seed(0)
    model = MultiInputModel(1, 2, 2)
    image = torch.randn(2, 1, 5, 3, requires_grad=True)
    tabular = torch.randn(2, 2, requires_grad=True)
    model(image, tabular).sum().backward()
    assert image.grad.abs().sum() > 0
    assert tabular.grad.abs().sum() > 0


# --- clipping ---------------------------------------------------------------------------

def _by_hand(model: nn.Module, batch) -> tuple[float, list[torch.Tensor], float]:
    """Loss, per-parameter gradients and their global L2 norm, computed directly."""
    model.zero_grad()
    loss = nn.functional.cross_entropy(model(batch[0]), batch[1])
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads])).item()
    return loss.item(), grads, norm


@pytest.mark.parametrize("max_norm", [0.01, 1e6])
def test_clipped_step_is_sgd_on_the_rescaled_gradient(max_norm):
    model, batch, lr = mlp(), batches([6])[0], 0.5
    oracle = copy.deepcopy(model)
    loss_expected, grads, norm = _by_hand(oracle, batch)
    stale_gradients(model)  # must play no part
    loss, grad_norm = train_step_clipped(model, batch, torch.optim.SGD(model.parameters(), lr=lr),
                                         nn.CrossEntropyLoss(), max_norm, CPU)
    assert isinstance(loss, float) and isinstance(grad_norm, float)
    assert loss == pytest.approx(loss_expected, rel=1e-6)
    assert grad_norm == pytest.approx(norm, rel=1e-5)
    scale = min(1.0, max_norm / (norm + 1e-6))  # clip_grad_norm_'s documented rescaling
    assert (scale < 1.0) == (max_norm < norm)
    with torch.no_grad():
        for parameter, grad in zip(oracle.parameters(), grads):
            parameter -= lr * scale * grad
    assert_same_parameters(model, oracle)


@pytest.mark.parametrize("training", [True, False])
def test_clipped_step_leaves_the_mode_alone(training):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    model.train(training)
    train_step_clipped(model, batches([4])[0], torch.optim.SGD(model.parameters(), lr=0.1),
                       nn.CrossEntropyLoss(), 1.0, CPU)
    assert all(m.training == training for m in model.modules())


# --- accumulation -----------------------------------------------------------------------

@pytest.mark.parametrize("num_batches, accum_steps", [(6, 3), (5, 2), (3, 4), (4, 1)])
def test_accumulation_equals_training_on_merged_batches(num_batches, accum_steps):
    """Equal batch sizes and a mean loss: each group is one step on its batches merged."""
    parts = batches([4] * num_batches)
    model, oracle = mlp(), mlp()
    stale_gradients(model)
    model.eval()  # the function owns the mode
    train_epoch_accumulated(model, parts, torch.optim.SGD(model.parameters(), lr=0.5),
                            nn.CrossEntropyLoss(), accum_steps, CPU)
    assert model.training
    optimizer = torch.optim.SGD(oracle.parameters(), lr=0.5)
    for start in range(0, num_batches, accum_steps):  # the last group may be shorter
        inputs, targets = merged(parts[start:start + accum_steps])
        optimizer.zero_grad()
        nn.functional.cross_entropy(oracle(inputs), targets).backward()
        optimizer.step()
    assert_same_parameters(model, oracle)


def test_accumulation_reports_the_sample_weighted_mean_loss():
    parts = batches([5, 5, 2])
    model = mlp()
    expected = nn.functional.cross_entropy(model(merged(parts)[0]), merged(parts)[1]).item()
    # With lr=0 the weights never move, so the mean over samples is the loss on all of them.
    got = train_epoch_accumulated(model, parts, torch.optim.SGD(model.parameters(), lr=0.0),
                                  nn.CrossEntropyLoss(), 2, CPU)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-5)
