"""Checks for the tensor helpers: same shapes, values and devices as the reference."""

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from bughunt.judge.checking import check
from scenarios._support import assert_close
from bughunt.placement import device, on_host, plain

sizes = st.integers(1, 5)


def _filled(seed: int, *shape: int, on=None) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator).to(on or device())


def _assert_same(got, expected, what: str) -> None:
    assert isinstance(got, torch.Tensor), f"{what} should be a tensor, got {type(got).__name__}"
    assert tuple(got.shape) == tuple(expected.shape), \
        f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
    assert_close(plain(got), plain(expected), rtol=0, atol=0,
                               msg=lambda m: f"{what} holds different values: {m}")


def _assert_untouched(got: torch.Tensor, before: torch.Tensor, what: str) -> None:
    assert torch.equal(plain(got), before), f"{what} was modified in place"


def _with_cuda(available: bool, function, *args):
    """Call `function` while PyTorch claims a GPU is (or is not) available.

    Both questions a correct `pick_device` may ask are answered: is_available() and
    device_count().
    """
    originals = torch.cuda.is_available, torch.cuda.device_count
    torch.cuda.is_available = lambda: available
    torch.cuda.device_count = lambda: 1 if available else 0
    try:
        return function(*args)
    finally:
        torch.cuda.is_available, torch.cuda.device_count = originals


@check("pick_device does not return the device the caller asked for, or the GPU when there is one")
@given(prefer=st.sampled_from([None, "cpu", "cuda", "cuda:1", "meta"]),
       as_device=st.booleans(), cuda=st.booleans())
@example(prefer=None, as_device=False, cuda=True)
@example(prefer=None, as_device=False, cuda=False)
@example(prefer="cpu", as_device=False, cuda=True)
@example(prefer="cuda:1", as_device=True, cuda=False)
def picks_device(cand, ref, prefer, as_device, cuda):
    if prefer is not None and as_device:
        prefer = torch.device(prefer)
    got = _with_cuda(cuda, cand.pick_device, prefer)
    expected = _with_cuda(cuda, ref.pick_device, prefer)
    situation = f"pick_device({prefer!r}) with a GPU {'available' if cuda else 'unavailable'}"
    assert isinstance(got, torch.device), f"{situation} returned {got!r}, not a torch.device"
    # With no preference, "cuda" and "cuda:0" name the same GPU: either is a correct answer.
    same_gpu = prefer is None and got.type == expected.type and got.index in (None, 0)
    assert got == expected or same_gpu, f"{situation} returned {got}, expected {expected}"


@check("stacking N samples of length S does not give an (N, S) batch with one row per sample")
@given(seed=st.integers(0, 2**16), n=sizes, s=sizes)
@example(seed=0, n=3, s=2)
@example(seed=1, n=1, s=4)
@example(seed=2, n=4, s=1)
def stacks_samples(cand, ref, seed, n, s):
    samples = list(_filled(seed, n, s).unbind(0))  # N tensors of shape (S,)
    before = [t.clone() for t in samples]
    got = cand.stack_samples(samples)
    for sample, original in zip(samples, before):
        _assert_untouched(sample, original, "a sample")
    _assert_same(got, ref.stack_samples(before), f"the batch stacked from {n} samples of length {s}")


@check("joining (B, Fa) and (B, Fb) features does not give (B, Fa + Fb) with each sample's own row")
@given(seed=st.integers(0, 2**16), b=sizes, fa=sizes, fb=sizes)
@example(seed=0, b=3, fa=2, fb=4)
@example(seed=1, b=2, fa=3, fb=3)
@example(seed=2, b=1, fa=1, fb=2)
def concatenates_features(cand, ref, seed, b, fa, fb):
    a, b_ = _filled(seed, b, fa), _filled(seed + 1, b, fb)
    a_before, b_before = a.clone(), b_.clone()
    got = cand.concat_features(a, b_)
    _assert_untouched(a, a_before, "the first input")
    _assert_untouched(b_, b_before, "the second input")
    _assert_same(got, ref.concat_features(a_before, b_before),
                 f"concat_features of ({b}, {fa}) and ({b}, {fb})")


@check("the conditioned feature map has the wrong shape or values: the condition is not "
       "repeated over every position of its own sample, after the map's channels")
@given(seed=st.integers(0, 2**16), b=sizes, c=sizes, h=sizes, w=sizes, d=sizes)
@example(seed=0, b=2, c=3, h=4, w=5, d=2)
@example(seed=1, b=1, c=2, h=3, w=2, d=3)
@example(seed=2, b=3, c=1, h=2, w=2, d=3)
@example(seed=3, b=2, c=2, h=3, w=3, d=3)
def conditions_feature_map(cand, ref, seed, b, c, h, w, d):
    fmap = _filled(seed, b, c, h, w)  # on the training device
    cond = on_host(_filled(seed + 1, b, d, on="cpu"))  # arrives from the host
    fmap_before, cond_before = fmap.clone(), plain(cond).clone()
    got = cand.condition_feature_map(fmap, cond)
    _assert_untouched(fmap, plain(fmap_before), "the feature map")
    _assert_untouched(cond, cond_before, "the condition")
    _assert_same(got, ref.condition_feature_map(fmap_before, cond_before.to(fmap.device)),
                 f"the map conditioned from fmap {(b, c, h, w)} and cond {(b, d)}")
    assert got.device == fmap.device, f"the result is on {got.device}, the feature map on {fmap.device}"


@check("conditioning a feature map creates tensors on the wrong device: "
       "it would crash when the map lives on the GPU")
@given(b=sizes, c=sizes, h=sizes, w=sizes, d=sizes)
@example(b=2, c=3, h=4, w=5, d=2)
def conditions_on_any_device(cand, ref, b, c, h, w, d):
    # meta tensors carry shapes and no data: anything created on the CPU refuses to mix.
    fmap = torch.empty(b, c, h, w, device="meta")  # (B, C, H, W)
    cond = torch.empty(b, d, device="meta")  # (B, D)
    got = cand.condition_feature_map(fmap, cond)
    assert got.device.type == "meta", f"the result is on {got.device}, the feature map on meta"
    assert tuple(got.shape) == (b, c + d, h, w), \
        f"the result has shape {tuple(got.shape)}, expected {(b, c + d, h, w)}"


CHECKS = (picks_device, stacks_samples, concatenates_features, conditions_feature_map,
          conditions_on_any_device)
