"""Level 09 reference against PyTorch: F.leaky_relu is the oracle, gradcheck the referee."""

import pytest
import torch
import torch.nn.functional as F

from clean_reference.l09_expert import LeakyReLU, LeakyReLUFunction, leaky_relu


def _with_zeros(*shape, dtype=torch.float32, seed=0):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    x.view(-1)[::4] = 0.0  # the kink, where the gradient is a convention
    return x


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3, 1.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_values_and_gradients_match_f_leaky_relu(slope, dtype):
    x = _with_zeros(3, 5, dtype=dtype).requires_grad_()
    oracle_x = x.detach().clone().requires_grad_()
    upstream = torch.randn(3, 5, generator=torch.Generator().manual_seed(1), dtype=dtype)
    out = leaky_relu(x, slope)
    expected = F.leaky_relu(oracle_x, slope)
    out.backward(upstream)
    expected.backward(upstream)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(x.grad, oracle_x.grad)
    assert out.dtype == dtype and out.shape == x.shape


def test_gradient_at_exactly_zero_is_the_slope():
    x = torch.zeros(4, requires_grad=True)
    leaky_relu(x, 0.25).sum().backward()
    assert x.grad.tolist() == [0.25] * 4


def test_default_slope_and_the_layer():
    x = _with_zeros(2, 3, 4)
    torch.testing.assert_close(leaky_relu(x), F.leaky_relu(x))
    torch.testing.assert_close(LeakyReLU()(x), F.leaky_relu(x))
    torch.testing.assert_close(LeakyReLU(0.2)(x), F.leaky_relu(x, 0.2))
    assert LeakyReLU(0.2).negative_slope == 0.2
    assert list(LeakyReLU().parameters()) == []
    assert "negative_slope=0.2" in repr(LeakyReLU(0.2))


def test_a_zero_dimensional_input():
    x = torch.tensor(-2.0, requires_grad=True)
    out = LeakyReLUFunction.apply(x, 0.5)
    out.backward()
    assert out.item() == -1.0 and x.grad.item() == 0.5


@pytest.mark.parametrize("slope", [0.0, 0.05, 1.0])
def test_gradcheck_in_float64(slope):
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    x = (x + 0.2 * x.sign()).requires_grad_()  # away from the kink
    assert torch.autograd.gradcheck(lambda t: leaky_relu(t, slope), (x,))
    assert torch.autograd.gradcheck(LeakyReLU(slope), (x,))


def test_the_layer_and_function_go_through_the_custom_function():
    x = torch.randn(2, 2, requires_grad=True)
    for out in (leaky_relu(x), LeakyReLU()(x), LeakyReLUFunction.apply(x, 0.01)):
        assert type(out.grad_fn)._forward_cls is LeakyReLUFunction
    assert type(F.leaky_relu(x).grad_fn).__name__ != type(leaky_relu(x).grad_fn).__name__


def test_backward_returns_no_gradient_for_the_slope():
    x = torch.randn(3, requires_grad=True)
    out = leaky_relu(x, 0.1)
    grads = out.grad_fn.apply(torch.ones(3))
    assert grads[1] is None and grads[0].shape == (3,)


# --- distributed: DistributedSampler is the oracle for the shards, one-process SGD on the
# ranks' batches put together for the DDP run (one real run of two forked gloo ranks).

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from torch import nn  # noqa: E402
from torch.utils.data import DistributedSampler, TensorDataset  # noqa: E402

from clean_reference.l05_intermediate.checkpoint import load_checkpoint  # noqa: E402
from clean_reference.l07_industry.pipeline import synthetic_dataset  # noqa: E402
from clean_reference.l09_expert.distributed import DDPConfig, make_distributed_loader, run_distributed  # noqa: E402


@pytest.mark.parametrize("size, world_size", [(10, 2), (7, 3), (9, 2)])
def test_loader_deals_the_distributed_samplers_shards(size, world_size):
    dataset = TensorDataset(torch.arange(size).float().unsqueeze(1), torch.arange(size))
    shards = {}
    for rank in range(world_size):
        loader = make_distributed_loader(dataset, rank, world_size, batch_size=3, seed=5)
        oracle = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=5)
        for epoch in (0, 1):
            loader.sampler.set_epoch(epoch)
            oracle.set_epoch(epoch)
            seen = torch.cat([targets for _, targets in loader]).tolist()
            assert seen == list(oracle)
            assert [len(t) for _, t in loader] == [len(seen[i:i + 3]) for i in range(0, len(seen), 3)]
            shards[rank, epoch] = seen
    for epoch in (0, 1):
        every = [i for rank in range(world_size) for i in shards[rank, epoch]]
        assert set(every) == set(range(size))
        assert len(every) == -(-size // world_size) * world_size  # padded by repeats only
    assert any(shards[rank, 0] != shards[rank, 1] for rank in range(world_size))


def test_ddp_run_matches_one_process_sgd_on_the_merged_batches():
    # The oracle first (its optimizer imports torch._dynamo here, once, not in each forked rank):
    # both ranks' batches of each step, merged, in one process. The batches have equal sizes, so
    # DDP's mean of the ranks' gradients is the gradient of the merged batch's mean loss.
    dataset = synthetic_dataset(16, 4, 3, 3)
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    samplers = [DistributedSampler(dataset, num_replicas=2, rank=r, shuffle=True, seed=3) for r in (0, 1)]
    losses, rank0_indices = [], []
    for epoch in range(2):
        for sampler in samplers:
            sampler.set_epoch(epoch)
        shards = [list(sampler) for sampler in samplers]
        rank0_indices.append(shards[0])
        total = 0.0
        for start in range(0, 8, 4):
            merged = [i for shard in shards for i in shard[start:start + 4]]
            inputs = torch.stack([dataset[i][0] for i in merged])
            targets = torch.stack([dataset[i][1] for i in merged])
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(merged)
        losses.append(total / 16)
    config = DDPConfig(seed=3, num_samples=16, in_features=4, num_classes=3, hidden_features=5,
                       batch_size=4, epochs=2, lr=0.3)
    with tempfile.TemporaryDirectory() as folder:
        config.checkpoint_path = f"{folder}/ddp.pt"
        result = run_distributed(2, config)
        files = sorted(p.name for p in Path(folder).iterdir())
        restored = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
        saved = load_checkpoint(config.checkpoint_path, restored)
    assert files == ["ddp.pt"] and saved["epoch"] == 1 and result.checkpoint_path.endswith("ddp.pt")

    assert result.rank == 0 and result.indices == rank0_indices
    for name, value in model.state_dict().items():
        torch.testing.assert_close(result.state_dict[name], value, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(restored.state_dict()[name], value, rtol=1e-5, atol=1e-6)
    assert result.epoch_losses == pytest.approx(losses, rel=1e-5)
    assert result.final_loss == pytest.approx(losses[-1], rel=1e-5)
