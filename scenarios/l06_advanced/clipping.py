"""Checks for `train_step_clipped`: same update, loss and norm as the reference; mode kept."""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt import series
from bughunt.placement import device
from scenarios._pictures import GradNorms, field
from scenarios._support import (
    arrive_dirty,
    assert_same_loss,
    check,
    classification_batches,
    classifier,
    loss_value,
    parameters,
    same_parameters,
    seeded,
    seeds,
)

# 0.05 always clips these tiny models' gradients, 100 never does; 1.0 clips some of them.
max_norms = st.sampled_from([0.05, 1.0, 100.0])


def _step(module, model, seed, batch_size, max_norm, lr=0.5):
    (batch,) = classification_batches(seed, [batch_size], 5, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return seeded(seed, module.train_step_clipped, model, batch, optimizer,
                  nn.CrossEntropyLoss(), max_norm, device())


def _dirty_model(seed, training):
    """A model with stale gradients, in the mode the caller chose."""
    model = classifier(seed, 5, 3)
    arrive_dirty(model, seed)
    model.train(training)
    return model


def _norms(got, expected, max_norm, **example):
    return [series.line(f"gradient norm before and after clipping (max_norm={max_norm:g})", "",
                        "global gradient norm", field(got, "grad_norms"), expected["grad_norms"],
                        x=["after backward", "at the optimizer step"])]


@check("after one step the model's weights are not what a correctly clipped step gives",
       given=dict(seed=seeds, batch_size=st.integers(1, 6), max_norm=max_norms, training=st.booleans()),
       examples=[dict(seed=0, batch_size=4, max_norm=0.05, training=True),
                 dict(seed=1, batch_size=3, max_norm=100.0, training=False)],
       compare=same_parameters, priority=60, draw=_norms)
def same_update(module, seed, batch_size, max_norm, training):
    model = _dirty_model(seed, training)
    with GradNorms(model) as norms:
        _step(module, model, seed, batch_size, max_norm)
    return {"parameters": parameters(model), "grad_norms": norms.values}


def _same_report(got, expected, **example):
    assert isinstance(got, list) and len(got) == 2, \
        f"train_step_clipped should return (loss, grad_norm), got {got}"
    assert_same_loss(got[0], expected[0])
    assert_same_loss(got[1], expected[1], "the returned gradient norm (before clipping)")


@check("the returned loss or gradient norm is not what a correctly clipped step reports",
       given=dict(seed=seeds, batch_size=st.integers(1, 6), max_norm=max_norms, training=st.booleans()),
       examples=[dict(seed=2, batch_size=5, max_norm=0.05, training=False)],
       compare=_same_report, priority=55)
def same_report(module, seed, batch_size, max_norm, training):
    result = _step(module, _dirty_model(seed, training), seed, batch_size, max_norm)
    if not (isinstance(result, tuple) and len(result) == 2):
        shown = isinstance(result, (tuple, list, float))
        return repr(result)[:200] if shown else f"a {type(result).__name__}"
    return [loss_value(result[0]), loss_value(result[1])]


def _mode_kept(got, expected, seed, training):
    wanted = "train" if training else "eval"
    assert isinstance(got, list) and len(got) == len(expected), "the model's modules could not be inspected"
    for entry in got:
        assert isinstance(entry, list) and len(entry) == 2, "the model's modules could not be inspected"
        name, mode = entry
        assert mode is training, \
            f"the model arrived in {wanted} mode, but {name or 'the model'!r} left in the other mode"


@check("the step changes the model's train/eval mode, which belongs to the caller",
       given=dict(seed=seeds, training=st.booleans()),
       examples=[dict(seed=3, training=False), dict(seed=3, training=True)],
       compare=_mode_kept)
def mode_kept(module, seed, training):
    model = classifier(seed, 5, 3)
    model.train(training)
    _step(module, model, seed, 3, 1.0)
    return [[name, part.training] for name, part in model.named_modules()]


CHECKS = (same_update, same_report, mode_kept)
