"""Checks for `train_epoch_accumulated`: same updates and loss as the reference, train mode."""

import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from bughunt.judge.checking import check
from bughunt.placement import device
from scenarios._support import (arrive_dirty, assert_same_loss, assert_same_parameters,
                                classification_batches, classifier, seeded, seeds, twins)

# Up to 5 batches in groups of 1 to 4: most draws leave a short last group.
loader_sizes = st.lists(st.integers(1, 5), min_size=1, max_size=5)
accum_steps = st.integers(1, 4)


def _epoch(module, model, seed, sizes, accum, lr=0.5):
    batches = classification_batches(seed, sizes, 5, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return seeded(seed, module.train_epoch_accumulated, model, batches, optimizer,
                  nn.CrossEntropyLoss(), accum, device())


@check("after one epoch the model's weights are not what correct gradient accumulation gives")
@given(seed=seeds, sizes=loader_sizes, accum=accum_steps)
@example(seed=0, sizes=[3, 3, 3, 3, 3], accum=2)  # groups of 2, 2 and a last one of 1
@example(seed=1, sizes=[4, 4, 4], accum=4)  # a single group, shorter than accum_steps
@example(seed=2, sizes=[2, 5, 1], accum=1)  # one step per batch, like a plain epoch
@example(seed=3, sizes=[4, 4, 4, 4], accum=2)  # equal groups: a stale gradient must not leak
def same_updates(cand, ref, seed, sizes, accum):
    got_model, expected_model = twins(classifier(seed, 5, 3))
    for model in (got_model, expected_model):
        arrive_dirty(model, seed)
    _epoch(cand, got_model, seed, sizes, accum)
    _epoch(ref, expected_model, seed, sizes, accum)
    assert_same_parameters(got_model, expected_model)


@check("the reported epoch loss is not the mean loss over the epoch's samples")
@given(seed=seeds, sizes=loader_sizes, accum=accum_steps)
@example(seed=4, sizes=[5, 5, 2], accum=2)
def same_loss(cand, ref, seed, sizes, accum):
    got_model, expected_model = twins(classifier(seed, 5, 3))
    got = _epoch(cand, got_model, seed, sizes, accum)
    expected = _epoch(ref, expected_model, seed, sizes, accum)
    assert_same_loss(got, expected)


@check("a model handed over in eval mode is not trained in train mode")
@given(seed=seeds, accum=accum_steps)
def train_mode(cand, ref, seed, accum):
    model = classifier(seed, 5, 3)
    model.eval()
    _epoch(cand, model, seed, [3, 2], accum, lr=0.1)
    assert model.training, "the model is still in eval mode after train_epoch_accumulated"


CHECKS = (same_updates, same_loss, train_mode)
