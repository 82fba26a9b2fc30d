"""Device placement for checks: catch a forgotten `.to(device)` on a machine with no GPU.

On CUDA, a batch left on the CPU crashes the first time it meets a parameter. On a CPU-only
machine that bug is invisible, so checks hand out batches as `HostTensor`s: tensors that refuse
to mix with ordinary tensors until `.to(device)` turns them into ordinary tensors, just as CPU
tensors refuse to mix with CUDA ones. A host tensor also reports another device than the
training device (`HOST`, "cpu:0" beside the plain "cpu"), so a guard such as `if a.device !=
b.device: a = a.to(b.device)` moves it as it would beside a GPU. With `--device cuda`, batches
are plain CPU tensors and the model lives on the GPU, so the real error fires instead.
"""

from __future__ import annotations

import functools

import torch

_target = torch.device("cpu")
# Where a host tensor says it lives while the checks train on the CPU: a CPU device that
# compares unequal to torch.device("cpu"), and that `.to()` accepts as the host.
HOST = torch.device("cpu", 0)


def set_device(name: str) -> None:
    global _target
    _target = torch.device(name)


def device() -> torch.device:
    """The device the checks train on: cpu, or cuda with `--device cuda`."""
    return _target


_MOVES = ("to", "cuda")
# Calls whose result lives where their first tensor lives (`dest.copy_(batch)`,
# `param.new_tensor(batch)`) or where their second does (`batch.type_as(param)`).
_ONTO_FIRST = ("copy_", "new_tensor", "new_empty", "new_zeros", "new_ones", "new_full")
_ONTO_SECOND = ("type_as",)


def _is_host(where) -> bool:
    """Whether a `device=` value names the host, as opposed to the training device."""
    try:
        return _target.type == "cpu" and torch.device(where) == HOST
    except (TypeError, RuntimeError):
        return False


def _names_a_device(args, kwargs) -> bool:
    if "device" in kwargs:
        return True
    return any(isinstance(a, (torch.device, str, int)) and not isinstance(a, bool) or
               (isinstance(a, torch.Tensor) and not isinstance(a, HostTensor)) for a in args[1:])


def _lands_on_host(name: str, args, kwargs) -> bool | None:
    """Whether the call's result is still on the host; None when the call moves nothing."""
    if kwargs.get("device") is not None:
        # `torch.as_tensor(batch, device=dev)`, `zeros_like(batch, device=dev)`
        return _is_host(kwargs["device"])
    if name in _MOVES and _names_a_device(args, kwargs):
        if args[1:] and isinstance(args[1], torch.Tensor):
            return isinstance(args[1], HostTensor)
        return bool(args[1:]) and isinstance(args[1], (torch.device, str)) and _is_host(args[1])
    if name in _ONTO_FIRST and args and isinstance(args[0], torch.Tensor):
        return isinstance(args[0], HostTensor)
    if name in _ONTO_SECOND and len(args) > 1 and isinstance(args[1], torch.Tensor):
        return isinstance(args[1], HostTensor)
    return None


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


def _placed(value, host: bool):
    if isinstance(value, torch.Tensor) and isinstance(value, HostTensor) != host:
        return value.as_subclass(HostTensor if host else torch.Tensor)
    return value


class HostTensor(torch.Tensor):
    """A tensor still on the host: moving it to the device (`.to(device)`, `torch.as_tensor(x,
    device=...)`, `copy_` into a device tensor, ...) is the only way to mix it with the model."""

    @property
    def device(self) -> torch.device:
        return HOST if _target.type == "cpu" else super().device

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        host = _lands_on_host(getattr(func, "__name__", ""), args, kwargs)
        if host is not None:
            with torch._C.DisableTorchFunctionSubclass():
                return _placed(func(*args, **kwargs), host)
        with torch._C.DisableTorchFunctionSubclass():
            tensors = [t for t in _tensors(list(args) + list(kwargs.values()), []) if t.dim() > 0]
        if any(isinstance(t, HostTensor) for t in tensors) and \
                not all(isinstance(t, HostTensor) for t in tensors):
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{_target.type if _target.type != 'cpu' else 'cuda'}:0 and cpu!"
            )
        return super().__torch_function__(func, types, args, kwargs)


def _keeping_place(factory):
    """`factory` (torch.as_tensor, torch.asarray, torch.tensor), landing where a device would.

    These never reach `__torch_function__`, and `as_tensor` hands back its argument itself
    when nothing changes, so a host batch would stay a host batch after a correct move.
    """
    @functools.wraps(factory)
    def build(data, *args, **kwargs):
        result = factory(data, *args, **kwargs)
        if not isinstance(data, HostTensor):
            return result
        return _placed(result, host=kwargs.get("device") is None or _is_host(kwargs["device"]))
    build.keeps_place = True
    return build


if not getattr(torch.as_tensor, "keeps_place", False):
    torch.as_tensor = _keeping_place(torch.as_tensor)
    torch.asarray = _keeping_place(torch.asarray)
    torch.tensor = _keeping_place(torch.tensor)


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
