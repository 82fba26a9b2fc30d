"""Level 06 references for memory and data, checked against PyTorch itself.

mixed_precision: a float16 step with a scaler matches a plain float32 step up to float16's
precision, and an overflowing step is skipped. grad_checkpointing: the model is the residual
MLP written out with torch.nn.functional, and checkpointing keeps fewer tensors. path_dataset:
the index of a hand-made folder tree, and items a DataLoader can feed to CrossEntropyLoss.
"""

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from clean_reference.l06_advanced import grad_checkpointing, mixed_precision, path_dataset

CPU = torch.device("cpu")


# mixed_precision ------------------------------------------------------------------------

def _model_and_batch(seed: int = 0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    inputs = torch.randn(8, 6)  # (B, F)
    targets = torch.randint(0, 3, (8,))  # (B,)
    return model, (inputs, targets)


@pytest.mark.parametrize(("dtype", "enabled"), [(torch.float16, True), (torch.bfloat16, False),
                                                (torch.float32, False)])
def test_make_scaler_is_enabled_only_for_float16(dtype, enabled):
    scaler = mixed_precision.make_scaler("cpu", dtype)
    assert isinstance(scaler, torch.amp.GradScaler)
    assert scaler.is_enabled() is enabled


def test_float16_step_matches_a_float32_step():
    model, batch = _model_and_batch()
    oracle = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    oracle.load_state_dict(model.state_dict())
    scaler = mixed_precision.make_scaler(CPU, torch.float16)
    loss = mixed_precision.train_step_amp(model, batch, torch.optim.SGD(model.parameters(), lr=0.5),
                                          nn.CrossEntropyLoss(), scaler, CPU, torch.float16)
    oracle_optimizer = torch.optim.SGD(oracle.parameters(), lr=0.5)
    oracle_loss = F.cross_entropy(oracle(batch[0]), batch[1])
    oracle_loss.backward()
    oracle_optimizer.step()
    assert isinstance(loss, float)
    assert loss == pytest.approx(oracle_loss.item(), rel=1e-2)
    for got, expected in zip(model.parameters(), oracle.parameters()):
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, expected, rtol=1e-2, atol=2e-3)
    assert scaler.get_scale() == 2.0**16  # a good step; growth only after 2000 of them


def test_overflowing_step_is_skipped_and_the_scale_halved():
    model, batch = _model_and_batch(1)
    before = [p.detach().clone() for p in model.parameters()]
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**40)  # float16 gradients overflow
    mixed_precision.train_step_amp(model, batch, torch.optim.SGD(model.parameters(), lr=0.5),
                                   nn.CrossEntropyLoss(), scaler, CPU, torch.float16)
    for got, expected in zip(model.parameters(), before):
        assert torch.equal(got, expected)
    assert scaler.get_scale() == 2.0**39


def test_default_dtype_on_cpu_is_bfloat16_and_the_mode_is_kept():
    model, batch = _model_and_batch(2)
    oracle = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    oracle.load_state_dict(model.state_dict())
    model.eval()
    loss = mixed_precision.train_step_amp(model, batch, torch.optim.SGD(model.parameters(), lr=0.1),
                                          nn.CrossEntropyLoss(),
                                          mixed_precision.make_scaler(CPU, torch.bfloat16), CPU)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        expected = F.cross_entropy(oracle(batch[0]), batch[1])
    assert loss == expected.item()
    assert not model.training


# grad_checkpointing ---------------------------------------------------------------------

def _functional_mlp(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The same residual MLP, written out with plain functional ops."""
    h = F.linear(x, model.stem.weight, model.stem.bias)  # (B, H)
    for block in model.blocks:
        linear = block[0]
        h = h + F.gelu(F.linear(h, linear.weight, linear.bias))  # (B, H)
    return F.linear(h, model.head.weight, model.head.bias)  # (B, out)


@pytest.mark.parametrize("use_checkpoint", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_checkpointed_mlp_equals_the_functional_mlp(use_checkpoint, train):
    torch.manual_seed(0)
    model = grad_checkpointing.CheckpointedMLP(5, 7, 3, num_blocks=3, use_checkpoint=use_checkpoint)
    model.train(train)
    x = torch.randn(4, 5, requires_grad=True)  # (B, in)
    upstream = torch.randn(4, 3)  # (B, out)
    params = [x, *model.parameters()]
    out = model(x)
    grads = torch.autograd.grad(out, params, upstream)
    expected_out = _functional_mlp(model, x)
    expected_grads = torch.autograd.grad(expected_out, params, upstream)
    torch.testing.assert_close(out, expected_out)
    for got, expected in zip(grads, expected_grads):
        torch.testing.assert_close(got, expected)


def _saved_elements(model: nn.Module, x: torch.Tensor) -> int:
    sizes = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: sizes.append(t.numel()) or t, lambda t: t):
        model(x)
    return sum(sizes)


def test_checkpointing_keeps_fewer_tensors_for_backward_in_training():
    torch.manual_seed(0)
    checkpointed = grad_checkpointing.CheckpointedMLP(4, 32, 2, num_blocks=4)
    plain = grad_checkpointing.CheckpointedMLP(4, 32, 2, num_blocks=4, use_checkpoint=False)
    x = torch.randn(8, 4)  # (B, in)
    assert _saved_elements(checkpointed.train(), x) < _saved_elements(plain.train(), x)


# path_dataset ---------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """root/{b: 1.pt 0.pt notes.txt sub/deep.pt, a: 2.pt, empty/, .cache/hidden.pt, stray.pt}."""
    for folder in ("b", "b/sub", "a", "empty", ".cache"):
        (tmp_path / folder).mkdir()
    torch.save(torch.arange(3), tmp_path / "b" / "1.pt")
    torch.save(torch.ones(2, 2), tmp_path / "b" / "0.pt")
    (tmp_path / "b" / "notes.txt").write_text("not a tensor")
    torch.save(torch.zeros(1), tmp_path / "b" / "sub" / "deep.pt")
    torch.save(torch.full((2,), 7.0), tmp_path / "a" / "2.pt")
    torch.save(torch.zeros(1), tmp_path / ".cache" / "hidden.pt")
    torch.save(torch.zeros(1), tmp_path / "stray.pt")
    return tmp_path


def test_build_index_of_a_hand_made_tree(tree):
    index = path_dataset.build_index(str(tree))
    # classes a, b, empty -> 0, 1, 2; "empty" has no files but still holds rank 2
    assert list(index.items()) == [(tree / "a" / "2.pt", 0), (tree / "b" / "0.pt", 1),
                                   (tree / "b" / "1.pt", 1)]


def test_items_are_lazy_int64_and_loader_ready(tree):
    index = path_dataset.build_index(tree)
    dataset = path_dataset.PathTensorDataset(index)
    assert len(dataset) == 3
    tensor, label = dataset[2]
    assert torch.equal(tensor, torch.arange(3))
    assert label.dtype == torch.int64 and label.shape == () and label.item() == 1
    torch.save(torch.full((2, 2), 5.0), tree / "b" / "0.pt")  # read at access time, not before
    assert torch.equal(dataset[1][0], torch.full((2, 2), 5.0))
    inputs, labels = next(iter(torch.utils.data.DataLoader(dataset, batch_size=1)))
    assert F.cross_entropy(torch.zeros(1, 2), labels).item() == pytest.approx(0.6931, abs=1e-4)


def test_a_missing_file_is_named(tree):
    dataset = path_dataset.PathTensorDataset(path_dataset.build_index(tree))
    (tree / "a" / "2.pt").unlink()
    with pytest.raises(FileNotFoundError, match="2.pt"):
        dataset[0]
