"""Checks for `train_one_epoch`: same updates and loss as the reference, train mode after."""

import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from bughunt.checking import check
from bughunt.placement import device
from scenarios._support import (arrive_dirty, assert_same_loss, assert_same_parameters,
                                batch_sizes, classification_batches, classifier, seeded, seeds,
                                twins)


def _epoch(module, model, seed, sizes, lr, features=5, classes=3):
    batches = classification_batches(seed, sizes, features, classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return seeded(seed, module.train_one_epoch, model, batches, optimizer, nn.CrossEntropyLoss(), device())


@check("after one epoch the model's weights are not what a correct training loop gives")
@given(seed=seeds, sizes=batch_sizes, lr=st.sampled_from([0.05, 0.5]))
@example(seed=0, sizes=[4, 4, 1], lr=0.5)
def same_updates(cand, ref, seed, sizes, lr):
    got_model, expected_model = twins(classifier(seed, 5, 3))
    for model in (got_model, expected_model):
        arrive_dirty(model, seed)
    _epoch(cand, got_model, seed, sizes, lr)
    _epoch(ref, expected_model, seed, sizes, lr)
    assert_same_parameters(got_model, expected_model)


@check("the reported epoch loss is not the mean loss over the epoch's samples")
@given(seed=seeds, sizes=batch_sizes)
@example(seed=1, sizes=[5, 5, 2])
def same_loss(cand, ref, seed, sizes):
    got_model, expected_model = twins(classifier(seed, 5, 3))
    got = _epoch(cand, got_model, seed, sizes, 0.5)
    expected = _epoch(ref, expected_model, seed, sizes, 0.5)
    assert_same_loss(got, expected)


@check("a model handed over in eval mode is not trained in train mode")
@given(seed=seeds)
def train_mode(cand, ref, seed):
    model = classifier(seed, 5, 3)
    model.eval()
    _epoch(cand, model, seed, [3, 2], 0.1)
    assert model.training, "the model is still in eval mode after train_one_epoch"


CHECKS = (same_updates, same_loss, train_mode)
