"""Checks for the tensor helpers: same shapes, values and devices as the reference."""

import threading

import torch
from hypothesis import strategies as st

from bughunt.placement import device, on_host, plain
from scenarios._pictures import tensor_heat
from scenarios._support import assert_close, check, warm_the_meta_device

sizes = st.integers(1, 5)
_cuda_lock = threading.Lock()  # the judge observes from several threads at once


def _filled(seed: int, *shape: int, on=None) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator).to(on or device())


def _observed(value):
    """A returned tensor as plain CPU data; anything else by its type's name."""
    return plain(value) if isinstance(value, torch.Tensor) else f"a {type(value).__name__}"


def _assert_same(got, expected, what: str) -> None:
    assert isinstance(got, torch.Tensor), \
        f"{what} should be a tensor, got {got if isinstance(got, str) else type(got).__name__}"
    assert tuple(got.shape) == tuple(expected.shape), \
        f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
    assert_close(got, expected, rtol=0, atol=0, msg=lambda m: f"{what} holds different values: {m}")


def _assert_untouched(got, expected, names: list[str]) -> None:
    """`got["inputs"]`, the inputs as they are after the call, are the reference's: one per
    input named in `names`, value for value."""
    after = got.get("inputs") if isinstance(got, dict) else None
    assert isinstance(after, list) and len(after) == len(names), "the inputs could not be inspected"
    for name, value, want in zip(names, after, expected["inputs"]):
        assert isinstance(value, torch.Tensor) and value.shape == want.shape and value.dtype == want.dtype \
            and torch.equal(value, want), f"{name} was modified in place"


def _with_cuda(available: bool, function, *args):
    """Call `function` while PyTorch claims a GPU is (or is not) available.

    Both questions a correct `pick_device` may ask are answered: is_available() and
    device_count().
    """
    with _cuda_lock:
        originals = torch.cuda.is_available, torch.cuda.device_count
        torch.cuda.is_available = lambda: available
        torch.cuda.device_count = lambda: 1 if available else 0
        try:
            return function(*args)
        finally:
            torch.cuda.is_available, torch.cuda.device_count = originals


def _same_device(got, expected, prefer, as_device, cuda):
    if prefer is not None and as_device:
        prefer = torch.device(prefer)
    situation = f"pick_device({prefer!r}) with a GPU {'available' if cuda else 'unavailable'}"
    assert isinstance(got, dict) and isinstance(got.get("type"), str), \
        f"{situation} returned {got}, not a torch.device"
    # With no preference, "cuda" and "cuda:0" name the same GPU: either is a correct answer.
    same_gpu = prefer is None and got["type"] == expected["type"] and got.get("index") in (None, 0)
    assert got == expected or same_gpu, f"{situation} returned {got.get('text')}, expected {expected['text']}"


@check("pick_device does not return the device the caller asked for, or the GPU when there is one",
       given=dict(prefer=st.sampled_from([None, "cpu", "cuda", "cuda:1", "meta"]),
                  as_device=st.booleans(), cuda=st.booleans()),
       examples=[dict(prefer=None, as_device=False, cuda=True),
                 dict(prefer=None, as_device=False, cuda=False),
                 dict(prefer="cpu", as_device=False, cuda=True),
                 dict(prefer="cuda:1", as_device=True, cuda=False)],
       compare=_same_device)
def picks_device(module, prefer, as_device, cuda):
    if prefer is not None and as_device:
        prefer = torch.device(prefer)
    got = _with_cuda(cuda, module.pick_device, prefer)
    if not isinstance(got, torch.device):
        return repr(got)[:80] if isinstance(got, str) else f"a {type(got).__name__}"
    return {"type": got.type, "index": got.index, "text": str(got)}


def _same_stack(got, expected, seed, n, s):
    _assert_untouched(got, expected, ["a sample"] * n)
    _assert_same(got.get("batch"), expected["batch"], f"the batch stacked from {n} samples of length {s}")


@check("stacking N samples of length S does not give an (N, S) batch with one row per sample",
       given=dict(seed=st.integers(0, 2**16), n=sizes, s=sizes),
       examples=[dict(seed=0, n=3, s=2), dict(seed=1, n=1, s=4), dict(seed=2, n=4, s=1)],
       compare=_same_stack)
def stacks_samples(module, seed, n, s):
    samples = list(_filled(seed, n, s).unbind(0))  # N tensors of shape (S,)
    got = module.stack_samples(samples)
    return {"inputs": [plain(t) for t in samples], "batch": _observed(got)}


def _same_concat(got, expected, seed, b, fa, fb):
    _assert_untouched(got, expected, ["the first input", "the second input"])
    _assert_same(got.get("joined"), expected["joined"], f"concat_features of ({b}, {fa}) and ({b}, {fb})")


@check("joining (B, Fa) and (B, Fb) features does not give (B, Fa + Fb) with each sample's own row",
       given=dict(seed=st.integers(0, 2**16), b=sizes, fa=sizes, fb=sizes),
       examples=[dict(seed=0, b=3, fa=2, fb=4), dict(seed=1, b=2, fa=3, fb=3),
                 dict(seed=2, b=1, fa=1, fb=2)],
       compare=_same_concat, draw=tensor_heat("joined", "the joined features"))
def concatenates_features(module, seed, b, fa, fb):
    a, b_ = _filled(seed, b, fa), _filled(seed + 1, b, fb)
    got = module.concat_features(a, b_)
    return {"inputs": [plain(a), plain(b_)], "joined": _observed(got)}


def _same_conditioned(got, expected, seed, b, c, h, w, d):
    _assert_untouched(got, expected, ["the feature map", "the condition"])
    _assert_same(got.get("conditioned"), expected["conditioned"],
                 f"the map conditioned from fmap {(b, c, h, w)} and cond {(b, d)}")
    assert got.get("device") == expected["device"], \
        f"the result is on {got.get('device')}, the feature map on {expected['device']}"


@check("the conditioned feature map has the wrong shape or values: the condition is not "
       "repeated over every position of its own sample, after the map's channels",
       given=dict(seed=st.integers(0, 2**16), b=sizes, c=sizes, h=sizes, w=sizes, d=sizes),
       examples=[dict(seed=0, b=2, c=3, h=4, w=5, d=2), dict(seed=1, b=1, c=2, h=3, w=2, d=3),
                 dict(seed=2, b=3, c=1, h=2, w=2, d=3), dict(seed=3, b=2, c=2, h=3, w=3, d=3)],
       compare=_same_conditioned)
def conditions_feature_map(module, seed, b, c, h, w, d):
    fmap = _filled(seed, b, c, h, w)  # on the training device
    cond = on_host(_filled(seed + 1, b, d, on="cpu"))  # arrives from the host
    got = module.condition_feature_map(fmap, cond)
    return {"inputs": [plain(fmap), plain(cond)], "conditioned": _observed(got),
            "device": str(got.device) if isinstance(got, torch.Tensor) else None}


def _works_on_meta(got, expected, b, c, h, w, d):
    assert isinstance(got, dict), f"the result should be a tensor, got {got}"
    assert got.get("device") == "meta", f"the result is on {got.get('device')}, the feature map on meta"
    assert got.get("shape") == expected["shape"], \
        f"the result has shape {got.get('shape')}, expected {expected['shape']}"


@check("conditioning a feature map creates tensors on the wrong device: "
       "it would crash when the map lives on the GPU",
       given=dict(b=sizes, c=sizes, h=sizes, w=sizes, d=sizes),
       examples=[dict(b=2, c=3, h=4, w=5, d=2)],
       compare=_works_on_meta)
def conditions_on_any_device(module, b, c, h, w, d):
    # meta tensors carry shapes and no data: anything created on the CPU refuses to mix.
    fmap = torch.empty(b, c, h, w, device="meta")  # (B, C, H, W)
    cond = torch.empty(b, d, device="meta")  # (B, D)
    got = module.condition_feature_map(fmap, cond)
    if not isinstance(got, torch.Tensor):
        return f"a {type(got).__name__}"
    return {"device": got.device.type, "shape": tuple(got.shape)}


CHECKS = (picks_device, stacks_samples, concatenates_features, conditions_feature_map,
          conditions_on_any_device)
first_use = warm_the_meta_device  # a warm runner's once-for-all (the meta device's first kernels)
