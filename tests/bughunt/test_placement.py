import pytest
import torch

from bughunt.placement import HostTensor, on_host, plain


def test_a_batch_that_was_not_moved_cannot_meet_parameters():
    layer = torch.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="same device"):
        layer(on_host(torch.randn(4, 3)))


def test_moving_to_the_device_gives_an_ordinary_tensor():
    device = torch.device("cpu")
    batch = on_host(torch.randn(4, 3))
    for moved in (batch.to(device), batch.to(device=device), batch.to(device, torch.float64), batch.to("cpu")):
        assert type(moved) is torch.Tensor
    torch.nn.Linear(3, 2)(batch.to(device))


def test_dtype_changes_stay_on_the_host():
    batch = on_host(torch.tensor([0, 1, 2]))
    assert isinstance(batch.float(), HostTensor)
    assert isinstance(batch.to(torch.float32), HostTensor)
    assert isinstance(batch + 1, HostTensor)


def test_scalars_mix_freely_as_with_cuda():
    batch = on_host(torch.randn(4))
    assert isinstance(batch * torch.tensor(2.0), HostTensor)


def test_plain_strips_the_subclass():
    assert type(plain(on_host(torch.ones(2)))) is torch.Tensor


@pytest.mark.parametrize("move", [
    lambda batch: torch.as_tensor(batch, device=torch.device("cpu")),
    lambda batch: torch.asarray(batch, device="cpu"),
    lambda batch: torch.tensor(batch, device="cpu"),
    lambda batch: batch.to(torch.zeros(1)),
    lambda batch: batch.to("cpu", non_blocking=True),
    lambda batch: batch.type_as(torch.zeros(1)),
    lambda batch: torch.zeros(1).new_tensor(batch),
    lambda batch: torch.empty(4, 3).copy_(batch),
    lambda batch: torch.zeros_like(batch, device="cpu"),
], ids=["as_tensor", "asarray", "tensor", "to-tensor", "to-non-blocking", "type_as",
        "new_tensor", "copy_", "zeros_like"])
def test_every_way_pytorch_moves_a_tensor_counts_as_a_move(move):
    moved = move(on_host(torch.randn(4, 3)))
    assert type(moved) is torch.Tensor
    torch.nn.Linear(3, 2)(moved)


@pytest.mark.parametrize("stay", [
    lambda batch: torch.as_tensor(batch),
    lambda batch: torch.tensor(batch),
    lambda batch: batch.to(on_host(torch.zeros(1))),
    lambda batch: batch.new_tensor([1.0, 2.0]),
    lambda batch: on_host(torch.empty(4, 3)).copy_(batch),
], ids=["as_tensor", "tensor", "to-host-tensor", "new_tensor", "copy_"])
def test_copies_without_a_device_stay_on_the_host(stay):
    assert isinstance(stay(on_host(torch.randn(4, 3))), HostTensor)


def test_a_host_batch_reports_another_device_than_the_training_device():
    batch, on_device = on_host(torch.randn(4, 3)), torch.randn(3)
    assert batch.device != on_device.device  # as a CPU batch beside a CUDA model
    assert batch.device.type == "cpu"


def test_a_device_guard_moves_a_host_tensor():
    schedule, x0 = on_host(torch.rand(5)), torch.randn(5)
    if schedule.device != x0.device:  # a library's guard: move only when elsewhere
        schedule = schedule.to(x0.device)
    assert type(schedule) is torch.Tensor
    assert type(schedule * x0) is torch.Tensor


def test_moving_to_the_host_device_stays_on_the_host():
    batch = on_host(torch.randn(2))
    assert isinstance(batch.to(batch.device), HostTensor)
    assert isinstance(torch.as_tensor(batch, device=batch.device), HostTensor)
