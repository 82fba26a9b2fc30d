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
