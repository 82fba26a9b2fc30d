"""Checks for `train_step_clipped`: same update, loss and norm as the reference; mode kept."""

import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from bughunt.judge.checking import check
from bughunt.placement import device
from scenarios._support import (arrive_dirty, assert_same_loss, assert_same_parameters,
                                classification_batches, classifier, seeded, seeds, twins)

# 0.05 always clips these tiny models' gradients, 100 never does; 1.0 clips some of them.
max_norms = st.sampled_from([0.05, 1.0, 100.0])


def _step(module, model, seed, batch_size, max_norm, lr=0.5):
    batch = classification_batches(seed, [batch_size], 5, 3)[0]
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return seeded(seed, module.train_step_clipped, model, batch, optimizer,
                  nn.CrossEntropyLoss(), max_norm, device())


def _twin_models(seed, training):
    """Identical models with stale gradients, in the mode the caller chose."""
    models = twins(classifier(seed, 5, 3))
    for model in models:
        arrive_dirty(model, seed)
        model.train(training)
    return models


@check("after one step the model's weights are not what a correctly clipped step gives")
@given(seed=seeds, batch_size=st.integers(1, 6), max_norm=max_norms, training=st.booleans())
@example(seed=0, batch_size=4, max_norm=0.05, training=True)
@example(seed=1, batch_size=3, max_norm=100.0, training=False)
def same_update(cand, ref, seed, batch_size, max_norm, training):
    got_model, expected_model = _twin_models(seed, training)
    _step(cand, got_model, seed, batch_size, max_norm)
    _step(ref, expected_model, seed, batch_size, max_norm)
    assert_same_parameters(got_model, expected_model)


@check("the returned loss or gradient norm is not what a correctly clipped step reports")
@given(seed=seeds, batch_size=st.integers(1, 6), max_norm=max_norms, training=st.booleans())
@example(seed=2, batch_size=5, max_norm=0.05, training=False)
def same_report(cand, ref, seed, batch_size, max_norm, training):
    got_model, expected_model = _twin_models(seed, training)
    got = _step(cand, got_model, seed, batch_size, max_norm)
    expected = _step(ref, expected_model, seed, batch_size, max_norm)
    assert isinstance(got, tuple) and len(got) == 2, \
        f"train_step_clipped should return (loss, grad_norm), got {got!r}"
    assert_same_loss(got[0], expected[0])
    assert_same_loss(got[1], expected[1], "the returned gradient norm (before clipping)")


@check("the step changes the model's train/eval mode, which belongs to the caller")
@given(seed=seeds, training=st.booleans())
@example(seed=3, training=False)
@example(seed=3, training=True)
def mode_kept(cand, ref, seed, training):
    model = classifier(seed, 5, 3)
    model.train(training)
    _step(cand, model, seed, 3, 1.0)
    wanted = "train" if training else "eval"
    for name, module in model.named_modules():
        assert module.training == training, \
            f"the model arrived in {wanted} mode, but {name or 'the model'!r} left in the other mode"


CHECKS = (same_update, same_report, mode_kept)
