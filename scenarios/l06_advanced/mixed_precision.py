"""Checks for `make_scaler` and `train_step_amp`: same updates, scale factor and loss as the reference.

float16 autocast runs on the CPU too, with an enabled `GradScaler("cpu")`: that is how the
scaler's part of the step (scaling, skipping overflowed steps, adjusting the factor) is
reached on a machine without a GPU. The checks build their own scalers, with a factor that
grows after every good step, or one so large that the first steps must be skipped; what
comes back is the scaler's factor, never the scaler.
"""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device
from scenarios._support import (
    arrive_dirty,
    assert_same_loss,
    assert_same_parameters,
    check,
    classification_batches,
    classifier,
    loss_value,
    parameters,
    same_returned_loss,
    seeded,
    seeds,
)

FEATURES, CLASSES = 5, 3


def _scaler(init_scale: float, enabled: bool = True) -> torch.amp.GradScaler:
    # growth_interval=1: every good step doubles the factor, so a missing update() shows.
    return torch.amp.GradScaler(device().type, init_scale=init_scale, growth_interval=1,
                                enabled=enabled)


def _steps(module, model, scaler, seed, sizes, lr, dtype=torch.float16, poison=False):
    """One `train_step_amp` per batch size in `sizes`; the returned losses, as observations."""
    batches = list(classification_batches(seed, sizes, FEATURES, CLASSES))  # one step per batch
    if poison:  # an inf in the first input: that step's gradients are not finite
        inputs, targets = batches[0]
        inputs[0, 0] = float("inf")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return [loss_value(seeded(seed + i, module.train_step_amp, model, batch, optimizer,
                              nn.CrossEntropyLoss(), scaler, device(), dtype))
            for i, batch in enumerate(batches)]


def _trained(model: nn.Module, scaler: torch.amp.GradScaler) -> dict:
    """The observation after some steps: the weights and the scaler's factor."""
    return {"parameters": parameters(model), "scale": scaler.get_scale()}


def _same_training(got, expected, **example) -> None:
    assert isinstance(got, dict) and isinstance(got.get("parameters"), dict), \
        "the step did not leave the model with the weights a correct step gives"
    for name, value in got["parameters"].items():
        if isinstance(value, torch.Tensor):
            assert value.dtype == torch.float32, (
                f"parameter {name!r} became {value.dtype}: autocast keeps the weights in float32")
    assert_same_parameters(got["parameters"], expected["parameters"])
    assert got.get("scale") == expected["scale"], (
        f"the scaler's factor is {got.get('scale')!r} after the steps; a correct step leaves "
        f"it at {expected['scale']!r}")


def _same_scaler(got, expected, dtype, as_text) -> None:
    assert isinstance(got, dict) and got.get("class") == expected["class"], (
        f"make_scaler returned {got.get('class') if isinstance(got, dict) else got!r}, "
        f"not a torch.amp.GradScaler")
    enabled = got.get("enabled")
    assert enabled == expected["enabled"], (
        f"the scaler for {dtype} is {'enabled' if enabled else 'disabled'}; "
        f"only float16 needs gradient scaling")
    assert got.get("scales_up") == expected.get("scales_up"), (
        f"the float16 scaler does not scale losses on {device().type}")


@check("make_scaler does not give a gradient scaler that is on exactly when float16 needs it",
       given=dict(dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32]),
                  as_text=st.booleans()),
       examples=[dict(dtype=torch.float16, as_text=False), dict(dtype=torch.bfloat16, as_text=True)],
       compare=_same_scaler)
def scaler_enabled(module, dtype, as_text):
    where = device().type if as_text else device()
    scaler = module.make_scaler(where, dtype)
    if not isinstance(scaler, torch.amp.GradScaler):
        return {"class": type(scaler).__name__}
    observed = {"class": "GradScaler", "enabled": scaler.is_enabled()}
    if scaler.is_enabled():
        scaled = scaler.scale(torch.ones((), device=device()))
        observed["scales_up"] = scaled.device.type == device().type and scaled.item() > 1
    return observed


@check("after float16 steps the weights or the loss scale are not what a correct step gives",
       given=dict(seed=seeds, sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
                  lr=st.sampled_from([0.1, 0.5]), init_scale=st.sampled_from([2.0**8, 2.0**16]),
                  train=st.booleans()),
       examples=[dict(seed=0, sizes=[4, 1], lr=0.5, init_scale=2.0**8, train=False),
                 dict(seed=3, sizes=[1, 3, 2], lr=0.1, init_scale=2.0**16, train=True)],
       compare=_same_training)
def same_updates(module, seed, sizes, lr, init_scale, train):
    model = classifier(seed, FEATURES, CLASSES)
    scaler = _scaler(init_scale)
    arrive_dirty(model, seed)
    model.train(train)
    _steps(module, model, scaler, seed, sizes, lr)
    return _trained(model, scaler)


@check("a step whose gradients overflow is not skipped, or the loss scale is not lowered after it",
       given=dict(seed=seeds, sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
                  huge_scale=st.booleans()),
       examples=[dict(seed=0, sizes=[3, 2], huge_scale=True),
                 dict(seed=1, sizes=[2, 2, 1], huge_scale=False)],
       compare=_same_training)
def skips_overflow(module, seed, sizes, huge_scale):
    # Either the factor is so large that float16 gradients overflow (every step is skipped),
    # or the first input holds an inf (only that step is skipped).
    model = classifier(seed, FEATURES, CLASSES)
    scaler = _scaler(2.0**40 if huge_scale else 2.0**8)
    arrive_dirty(model, seed)
    _steps(module, model, scaler, seed, sizes, 0.5, poison=not huge_scale)
    return _trained(model, scaler)


@check("the returned loss is not the batch's unscaled loss computed under autocast",
       given=dict(seed=seeds, size=st.integers(1, 6), init_scale=st.sampled_from([2.0**8, 2.0**16])),
       examples=[dict(seed=2, size=1, init_scale=2.0**16)], compare=same_returned_loss)
def same_loss(module, seed, size, init_scale):
    model = classifier(seed, FEATURES, CLASSES)
    return _steps(module, model, _scaler(init_scale), seed, [size], 0.1)[0]


def _same_default(got, expected, **example) -> None:
    assert isinstance(got, dict), "the step did not train as a correct step does"
    assert_same_loss(got.get("loss"), expected["loss"])
    assert_same_parameters(got.get("parameters"), expected["parameters"])


@check("with no dtype given, the step does not train in the device's default half type",
       given=dict(seed=seeds, sizes=st.lists(st.integers(1, 5), min_size=1, max_size=2)),
       examples=[dict(seed=5, sizes=[4, 2])], compare=_same_default)
def default_dtype(module, seed, sizes):
    # None means float16 on CUDA (a scaler is needed) and bfloat16 elsewhere (none is).
    model = classifier(seed, FEATURES, CLASSES)
    scaler = _scaler(2.0**8, device().type == "cuda")
    losses = _steps(module, model, scaler, seed, sizes, 0.5, dtype=None)
    return {"loss": losses[-1], "parameters": parameters(model)}


def _mode_kept(got, expected, seed, train) -> None:
    assert type(got) is bool and got == expected, (
        f"the model arrived in {'train' if train else 'eval'} mode and left in "
        f"{'train' if got else 'eval'} mode")


@check("a training step changes the model's train/eval mode",
       given=dict(seed=seeds, train=st.booleans()),
       examples=[dict(seed=0, train=False), dict(seed=0, train=True)],
       compare=_mode_kept, max_examples=4)
def mode_kept(module, seed, train):
    model = classifier(seed, FEATURES, CLASSES)
    model.train(train)
    _steps(module, model, _scaler(2.0**8), seed, [3], 0.1)
    return model.training


CHECKS = (scaler_enabled, same_updates, skips_overflow, same_loss, default_dtype, mode_kept)
