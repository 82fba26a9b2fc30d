"""Device placement for checks: catch a forgotten `.to(device)` on a machine with no GPU.

On CUDA, a batch left on the CPU crashes the first time it meets a parameter. On a CPU-only
machine that bug is invisible, so checks hand out batches as `HostTensor`s: tensors that
refuse to mix with ordinary tensors until `.to(device)` turns them into ordinary tensors,
just as CPU tensors refuse to mix with CUDA ones. With `--device cuda`, batches are plain CPU
tensors and the model lives on the GPU, so the real error fires instead.
"""

from __future__ import annotations

import torch

_target = torch.device("cpu")


def set_device(name: str) -> None:
    global _target
    _target = torch.device(name)


def device() -> torch.device:
    """The device the checks train on: cpu, or cuda with `--device cuda`."""
    return _target


_MOVES = ("to", "cuda")


def _names_a_device(args, kwargs) -> bool:
    if "device" in kwargs:
        return True
    return any(isinstance(a, (torch.device, str, int)) and not isinstance(a, bool) or
               (isinstance(a, torch.Tensor) and not isinstance(a, HostTensor)) for a in args[1:])


def _tensors(value, found: list) -> list:
    if isinstance(value, torch.Tensor):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _tensors(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _tensors(item, found)
    return found


class HostTensor(torch.Tensor):
    """A tensor still on the host: `.to(device)` is the only way onto the device."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__name__", "") in _MOVES and _names_a_device(args, kwargs):
            with torch._C.DisableTorchFunctionSubclass():
                moved = func(*args, **kwargs)
                # .to() onto the tensor's own device returns the tensor itself: unwrap it.
                return moved.as_subclass(torch.Tensor) if isinstance(moved, HostTensor) else moved
        with torch._C.DisableTorchFunctionSubclass():
            tensors = [t for t in _tensors(list(args) + list(kwargs.values()), []) if t.dim() > 0]
        if any(isinstance(t, HostTensor) for t in tensors) and \
                not all(isinstance(t, HostTensor) for t in tensors):
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{_target.type if _target.type != 'cpu' else 'cuda'}:0 and cpu!"
            )
        return super().__torch_function__(func, types, args, kwargs)


def on_host(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` as a batch straight out of a DataLoader: not yet on the training device."""
    if _target.type == "cpu":
        return tensor.as_subclass(HostTensor)
    return tensor.cpu()


def plain(tensor: torch.Tensor) -> torch.Tensor:
    """An ordinary CPU tensor, whatever `tensor` was: for comparing results."""
    return tensor.as_subclass(torch.Tensor).detach().cpu() if isinstance(tensor, HostTensor) \
        else tensor.detach().cpu()


def host_batches(batches) -> list:
    """A loader for checks: each `(inputs, targets)` pair (or tuple of tensors) on the host."""
    return [tuple(on_host(t) if isinstance(t, torch.Tensor) else t for t in batch) for batch in batches]
