"""Checks for `validate` and `train_for_epochs`: scores, an untouched model, the history,
the schedule and the weights training leaves.

The model has BatchNorm, so the train/eval mode shows in every number, and a probe layer
that records, at each forward pass, whether autograd is on and whether the model is
training. Batches arrive on the host (see `bughunt.placement`). Nothing here draws from the
global RNG: the judge may compute several observations at once.
"""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt import series
from bughunt.placement import device, plain
from scenarios._pictures import field, history_curves
from scenarios._support import (
    assert_close,
    assert_same_loss,
    assert_same_parameters,
    check,
    classification_batches,
    loss_value,
    parameters,
    seeds,
)

FEATURES, HIDDEN, CLASSES = 4, 6, 3
KEYS = {"epoch", "train_loss", "val_loss", "val_acc", "lr"}
train_sizes = st.lists(st.integers(2, 5), min_size=1, max_size=3)  # BatchNorm trains on B >= 2
val_sizes = st.lists(st.integers(1, 6), min_size=1, max_size=4)  # the last one may be short
schedules = st.sampled_from([None, (1, 0.5), (2, 0.1)])  # StepLR (step_size, gamma), or none


class _Probe(nn.Module):
    """Passes its input through, noting [autograd on?, training?] at every forward."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append([torch.is_grad_enabled(), self.training])
        return x


def _model(seed: int) -> tuple[nn.Module, _Probe]:
    """A small classifier with BatchNorm, every weight and statistic drawn from `seed`."""
    probe = _Probe()
    model = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(),
                          probe, nn.Linear(HIDDEN, CLASSES))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for value in [*model.parameters(), model[1].running_mean]:
            value.copy_(torch.randn(value.shape, generator=generator) * 0.7)
        model[1].running_var.copy_(torch.rand(HIDDEN, generator=generator) + 0.5)  # not the batch's
    return model.to(device()), probe


def _arrive_training_with_stale_grads(model: nn.Module, seed: int) -> None:
    model.train()
    generator = torch.Generator().manual_seed(seed + 1)
    for parameter in model.parameters():
        parameter.grad = torch.randn(parameter.shape, generator=generator).to(parameter.device)


def _value(value):
    """A returned value as plain data: numbers and text stay, anything else is named."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return f"a {type(value).__name__}"


def _validate(module, model, seed, sizes):
    batches = classification_batches(seed + 2, sizes, FEATURES, CLASSES)
    return module.validate(model, batches, nn.CrossEntropyLoss(), device())


def _same_scores(got, expected, **example):
    assert isinstance(got, list) and len(got) == 2, f"validate should return (loss, accuracy), got {got}"
    assert_same_loss(got[0], expected[0], "the validation loss")
    assert isinstance(got[1], float), f"the accuracy should be a Python float, got {got[1]!r}"
    assert abs(got[1] - expected[1]) <= 1e-6, (
        f"the accuracy is {got[1]!r}, a correct validation gives {expected[1]!r} "
        "(the fraction of samples whose largest logit is the target class)")


@check("the validation loss or accuracy is not the per-sample mean over the validation set",
       given=dict(seed=seeds, sizes=val_sizes),
       examples=[dict(seed=0, sizes=[4, 4, 1]), dict(seed=1, sizes=[1, 1, 1]), dict(seed=2, sizes=[6, 5])],
       compare=_same_scores)
def validation_scores(module, seed, sizes):
    model, _ = _model(seed)
    _arrive_training_with_stale_grads(model, seed)
    result = _validate(module, model, seed, sizes)
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return [loss_value(result[0]), _value(result[1])]
    return _value(result)


def _untouched(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    calls = got["forward"]
    assert calls, "validate never ran the model"
    assert not any(training for _, training in calls), (
        "the model ran in train mode during validation (Dropout on, BatchNorm on batch statistics)")
    assert not any(grad for grad, _ in calls), (
        "the model ran with autograd recording during validation: every batch builds a graph "
        "nobody uses, costing memory and time")
    assert got["modes"] == expected["modes"], "validate does not leave the model (and every layer) in eval mode"
    for name in expected["buffers"]:
        assert_close(got["buffers"].get(name), expected["buffers"][name], rtol=0, atol=0,
                     msg=lambda m, name=name: f"validation changed the BatchNorm statistic {name!r}: {m}")
    assert_same_parameters(got["grads"], expected["grads"], "the .grad tensors after validation")
    assert_same_parameters(got["parameters"], expected["parameters"], "the parameters after validation")


@check("validation changes the model, runs it in train mode, or records gradients",
       given=dict(seed=seeds, sizes=st.lists(st.integers(2, 5), min_size=1, max_size=3)),
       examples=[dict(seed=3, sizes=[3, 2])], compare=_untouched)
def validation_leaves_model_alone(module, seed, sizes):
    model, probe = _model(seed)
    _arrive_training_with_stale_grads(model, seed)
    _validate(module, model, seed, sizes)
    return {"forward": probe.calls, "modes": [layer.training for layer in model.modules()],
            "buffers": {name: plain(buffer) for name, buffer in model.named_buffers()},
            "grads": {name: plain(p.grad) for name, p in model.named_parameters()},
            "parameters": parameters(model)}


class _RecordingStepLR(torch.optim.lr_scheduler.StepLR):
    """StepLR that notes, at every step, [optimizer steps so far, eval-mode forwards so far]."""

    def __init__(self, optimizer, step_size: int, gamma: float, progress) -> None:
        self.log = None  # the constructor's own first step is not the caller's
        super().__init__(optimizer, step_size=step_size, gamma=gamma)
        self.log, self.progress = [], progress

    def step(self, *args, **kwargs) -> None:
        if self.log is not None:
            self.log.append(self.progress())
        super().step(*args, **kwargs)


def _fit(module, seed, sizes, val_sizes, epochs, schedule):
    """Train a fresh model with `train_for_epochs`; return (history, model, record)."""
    model, probe = _model(seed)
    train = classification_batches(seed, sizes, FEATURES, CLASSES)
    val = classification_batches(seed + 2, val_sizes, FEATURES, CLASSES)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4, momentum=0.5)
    record = {"lrs": [], "steps": 0}

    def before_step(opt, args, kwargs):
        record["lrs"].append(opt.param_groups[0]["lr"])
        record["steps"] += 1

    optimizer.register_step_pre_hook(before_step)

    def progress():
        return [record["steps"], sum(1 for _, training in probe.calls if not training)]

    scheduler = None if schedule is None else _RecordingStepLR(optimizer, *schedule, progress)
    history = module.train_for_epochs(model, train, val, optimizer, nn.CrossEntropyLoss(), device(),
                                      epochs, scheduler)
    record["scheduler"] = None if scheduler is None else scheduler.log
    return history, model, record


fits = dict(seed=seeds, sizes=train_sizes, val_sizes=val_sizes, epochs=st.integers(1, 3), schedule=schedules)
FIT_EXAMPLES = [dict(seed=0, sizes=[4, 3], val_sizes=[3, 1], epochs=3, schedule=(1, 0.5)),
                dict(seed=1, sizes=[2, 2, 2], val_sizes=[5], epochs=2, schedule=None),
                dict(seed=2, sizes=[3], val_sizes=[2, 2], epochs=3, schedule=(2, 0.1))]


def _same_history(got, expected, **example):
    assert isinstance(got, list), f"train_for_epochs should return a list of rows, got {got}"
    assert len(got) == len(expected), f"the history has {len(got)} rows for {len(expected)} epochs"
    for i, (row, want) in enumerate(zip(got, expected)):
        assert isinstance(row, dict), f"row {i} should be a dict, got {row}"
        assert set(row) == KEYS, f"row {i} has keys {sorted(row)}; each row has exactly {sorted(KEYS)}"
        assert type(row["epoch"]) is int and row["epoch"] == i, (
            f"row {i}'s epoch is {row['epoch']!r}; epochs are ints counting from 0")
        for key in ("train_loss", "val_loss", "val_acc", "lr"):
            assert type(row[key]) is float, f"row {i}'s {key} is {row[key]!r}, not a Python float"
        assert abs(row["lr"] - want["lr"]) <= 1e-9 + 1e-6 * want["lr"], (
            f"row {i} records lr {row['lr']!r}; the rate epoch {i} trained with is {want['lr']!r}")
        for key in ("train_loss", "val_loss"):
            assert abs(row[key] - want[key]) <= 1e-5 + 1e-4 * abs(want[key]), (
                f"row {i}'s {key} is {row[key]!r}, a correct run gives {want[key]!r}")
        assert abs(row["val_acc"] - want["val_acc"]) <= 1e-6, (
            f"row {i}'s val_acc is {row['val_acc']!r}, a correct run gives {want['val_acc']!r}")


@check("the per-epoch history is not one row per epoch with the right keys, losses, accuracy and rate",
       given=fits, examples=FIT_EXAMPLES, compare=_same_history,
       draw=history_curves("lr", "train_loss", "val_loss"))
def history(module, seed, sizes, val_sizes, epochs, schedule):
    rows, _, _ = _fit(module, seed, sizes, val_sizes, epochs, schedule)
    if not isinstance(rows, list):
        return _value(rows)
    return [{str(k): _value(v) for k, v in row.items()} if isinstance(row, dict) else _value(row)
            for row in rows]


def _same_schedule(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    if expected["scheduler"] is not None:
        steps, want = got["scheduler"], expected["scheduler"]
        assert len(steps) == len(want), (
            f"the scheduler was stepped {len(steps)} times in {len(want)} epochs; an epoch-based "
            "schedule is stepped once per epoch")
        for k, ((done, validated), (want_done, want_validated)) in enumerate(zip(steps, want)):
            assert [done, validated] == [want_done, want_validated], (
                f"scheduler step {k + 1} came after {done} optimizer steps and {validated} "
                f"validation batches; it belongs after epoch {k + 1}'s training and validation "
                f"({want_done} optimizer steps, {want_validated} validation batches)")
    lrs, want = got["lrs"], expected["lrs"]
    assert len(lrs) == len(want), f"the optimizer stepped {len(lrs)} times where {len(want)} steps were expected"
    for k, (lr, want_lr) in enumerate(zip(lrs, want)):
        assert abs(lr - want_lr) <= 1e-9 + 1e-6 * want_lr, (
            f"optimizer step {k + 1} used learning rate {lr!r}; with this schedule it is {want_lr!r}")


def _rate_per_step(got, expected, **example):
    return [series.line("learning rate per optimizer step", "optimizer step", "learning rate",
                        field(got, "lrs"), expected["lrs"])]


@check("the learning-rate schedule does not advance once per epoch, after validation",
       given=fits, examples=FIT_EXAMPLES, compare=_same_schedule, priority=40, draw=_rate_per_step)
def schedule(module, seed, sizes, val_sizes, epochs, schedule):
    _, _, record = _fit(module, seed, sizes, val_sizes, epochs, schedule)
    return {"scheduler": record["scheduler"], "lrs": record["lrs"]}


def _same_weights(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    assert_same_parameters(got["parameters"], expected["parameters"], "the weights after training")
    assert_same_parameters(got["buffers"], expected["buffers"], "the BatchNorm statistics after training")


@check("after training for some epochs the model's weights are not what a correct run gives",
       given=fits, examples=FIT_EXAMPLES, compare=_same_weights)
def trained_weights(module, seed, sizes, val_sizes, epochs, schedule):
    _, model, _ = _fit(module, seed, sizes, val_sizes, epochs, schedule)
    return {"parameters": parameters(model),
            "buffers": {name: plain(buffer).double() for name, buffer in model.named_buffers()}}


CHECKS = (validation_scores, validation_leaves_model_alone, history, schedule, trained_weights)
