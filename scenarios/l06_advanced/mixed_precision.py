"""Checks for `make_scaler` and `train_step_amp`: same updates, scale factor and loss as the reference.

float16 autocast runs on the CPU too, with an enabled `GradScaler("cpu")`: that is how the
scaler's part of the step (scaling, skipping overflowed steps, adjusting the factor) is
reached on a machine without a GPU. The checks build their own scalers, with a factor that
grows after every good step, or one so large that the first steps must be skipped.
"""

import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from bughunt.judge.checking import check
from bughunt.placement import device
from scenarios._support import (arrive_dirty, assert_same_loss, assert_same_parameters,
                                classification_batches, classifier, seeded, seeds, twins)

FEATURES, CLASSES = 5, 3


def _scaler(init_scale: float, enabled: bool = True) -> torch.amp.GradScaler:
    # growth_interval=1: every good step doubles the factor, so a missing update() shows.
    return torch.amp.GradScaler(device().type, init_scale=init_scale, growth_interval=1,
                                enabled=enabled)


def _steps(module, model, scaler, seed, sizes, lr, dtype=torch.float16, poison=False):
    """One `train_step_amp` per batch size in `sizes`; the returned losses."""
    batches = classification_batches(seed, sizes, FEATURES, CLASSES)
    if poison:  # an inf in the first input: that step's gradients are not finite
        inputs, targets = batches[0]
        inputs[0, 0] = float("inf")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return [seeded(seed + i, module.train_step_amp, model, batch, optimizer, nn.CrossEntropyLoss(),
                   scaler, device(), dtype)
            for i, batch in enumerate(batches)]


def _assert_same_scale(got: torch.amp.GradScaler, expected: torch.amp.GradScaler) -> None:
    assert got.get_scale() == expected.get_scale(), (
        f"the scaler's factor is {got.get_scale()!r} after the steps; a correct step leaves "
        f"it at {expected.get_scale()!r}")


def _assert_float32_weights(model: nn.Module) -> None:
    for name, parameter in model.named_parameters():
        assert parameter.dtype == torch.float32, (
            f"parameter {name!r} became {parameter.dtype}: autocast keeps the weights in float32")


@check("make_scaler does not give a gradient scaler that is on exactly when float16 needs it")
@given(dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32]),
       as_text=st.booleans())
@example(dtype=torch.float16, as_text=False)
@example(dtype=torch.bfloat16, as_text=True)
def scaler_enabled(cand, ref, dtype, as_text):
    where = device().type if as_text else device()
    scaler = cand.make_scaler(where, dtype)
    assert isinstance(scaler, torch.amp.GradScaler), (
        f"make_scaler returned {type(scaler).__name__}, not a torch.amp.GradScaler")
    want = dtype == torch.float16
    assert scaler.is_enabled() == want, (
        f"the scaler for {dtype} is {'enabled' if scaler.is_enabled() else 'disabled'}; "
        f"only float16 needs gradient scaling")
    if want:
        scale = scaler.scale(torch.ones((), device=device()))
        assert scale.device.type == device().type and scale.item() > 1, (
            f"the float16 scaler does not scale losses on {device().type}")


@check("after float16 steps the weights or the loss scale are not what a correct step gives")
@given(seed=seeds, sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       lr=st.sampled_from([0.1, 0.5]), init_scale=st.sampled_from([2.0**8, 2.0**16]),
       train=st.booleans())
@example(seed=0, sizes=[4, 1], lr=0.5, init_scale=2.0**8, train=False)
@example(seed=3, sizes=[1, 3, 2], lr=0.1, init_scale=2.0**16, train=True)
def same_updates(cand, ref, seed, sizes, lr, init_scale, train):
    got_model, expected_model = twins(classifier(seed, FEATURES, CLASSES))
    got_scaler, expected_scaler = _scaler(init_scale), _scaler(init_scale)
    for model in (got_model, expected_model):
        arrive_dirty(model, seed)
        model.train(train)
    _steps(cand, got_model, got_scaler, seed, sizes, lr)
    _steps(ref, expected_model, expected_scaler, seed, sizes, lr)
    _assert_float32_weights(got_model)
    assert_same_parameters(got_model, expected_model)
    _assert_same_scale(got_scaler, expected_scaler)


@check("a step whose gradients overflow is not skipped, or the loss scale is not lowered after it")
@given(seed=seeds, sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       huge_scale=st.booleans())
@example(seed=0, sizes=[3, 2], huge_scale=True)
@example(seed=1, sizes=[2, 2, 1], huge_scale=False)
def skips_overflow(cand, ref, seed, sizes, huge_scale):
    # Either the factor is so large that float16 gradients overflow (every step is skipped),
    # or the first input holds an inf (only that step is skipped).
    init_scale = 2.0**40 if huge_scale else 2.0**8
    got_model, expected_model = twins(classifier(seed, FEATURES, CLASSES))
    got_scaler, expected_scaler = _scaler(init_scale), _scaler(init_scale)
    for model in (got_model, expected_model):
        arrive_dirty(model, seed)
    _steps(cand, got_model, got_scaler, seed, sizes, 0.5, poison=not huge_scale)
    _steps(ref, expected_model, expected_scaler, seed, sizes, 0.5, poison=not huge_scale)
    assert_same_parameters(got_model, expected_model)
    _assert_same_scale(got_scaler, expected_scaler)


@check("the returned loss is not the batch's unscaled loss computed under autocast")
@given(seed=seeds, size=st.integers(1, 6), init_scale=st.sampled_from([2.0**8, 2.0**16]))
@example(seed=2, size=1, init_scale=2.0**16)
def same_loss(cand, ref, seed, size, init_scale):
    got_model, expected_model = twins(classifier(seed, FEATURES, CLASSES))
    got = _steps(cand, got_model, _scaler(init_scale), seed, [size], 0.1)[0]
    expected = _steps(ref, expected_model, _scaler(init_scale), seed, [size], 0.1)[0]
    assert_same_loss(got, expected)


@check("with no dtype given, the step does not train in the device's default half type")
@given(seed=seeds, sizes=st.lists(st.integers(1, 5), min_size=1, max_size=2))
@example(seed=5, sizes=[4, 2])
def default_dtype(cand, ref, seed, sizes):
    # None means float16 on CUDA (a scaler is needed) and bfloat16 elsewhere (none is).
    needs_scaler = device().type == "cuda"
    got_model, expected_model = twins(classifier(seed, FEATURES, CLASSES))
    got_scaler, expected_scaler = _scaler(2.0**8, needs_scaler), _scaler(2.0**8, needs_scaler)
    got = _steps(cand, got_model, got_scaler, seed, sizes, 0.5, dtype=None)
    expected = _steps(ref, expected_model, expected_scaler, seed, sizes, 0.5, dtype=None)
    assert_same_loss(got[-1], expected[-1])
    assert_same_parameters(got_model, expected_model)


@check("a training step changes the model's train/eval mode", max_examples=4)
@given(seed=seeds, train=st.booleans())
@example(seed=0, train=False)
@example(seed=0, train=True)
def mode_kept(cand, ref, seed, train):
    model = classifier(seed, FEATURES, CLASSES)
    model.train(train)
    _steps(cand, model, _scaler(2.0**8), seed, [3], 0.1)
    assert model.training == train, (
        f"the model arrived in {'train' if train else 'eval'} mode and left in "
        f"{'train' if model.training else 'eval'} mode")


CHECKS = (scaler_enabled, same_updates, skips_overflow, same_loss, default_dtype, mode_kept)
