"""Checks for `train_epoch_accumulated`: same updates and loss as the reference, train mode.

Loaders run up to 9 batches, so that a draw often holds more than two full groups and a
remainder (7 batches in groups of 4: a step after batch 4 and one after batch 7, from a group
of 3); the loader is a `Loader` (len() and .dataset, as a DataLoader)."""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device
from scenarios._pictures import RecordedCrossEntropy, losses
from scenarios._support import (
    arrive_dirty,
    check,
    classification_batches,
    classifier,
    loss_value,
    parameters,
    same_loss_type,
    same_parameters,
    same_returned_loss,
    seeded,
    seeds,
)

# Up to 9 batches in groups of 1 to 4: most draws leave a short last group after full ones.
loader_sizes = st.lists(st.integers(1, 4), min_size=1, max_size=9)
accum_steps = st.integers(1, 4)


def _epoch(module, model, seed, sizes, accum, lr=0.5, loss_fn=None):
    batches = classification_batches(seed, sizes, 5, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return seeded(seed, module.train_epoch_accumulated, model, batches, optimizer,
                  loss_fn or nn.CrossEntropyLoss(), accum, device())


@check("after one epoch the model's weights are not what correct gradient accumulation gives",
       given=dict(seed=seeds, sizes=loader_sizes, accum=accum_steps),
       examples=[dict(seed=0, sizes=[3, 3, 3, 3, 3], accum=2),  # groups of 2, 2 and a last one of 1
                 dict(seed=1, sizes=[4, 4, 4], accum=4),  # a single group, shorter than accum_steps
                 dict(seed=2, sizes=[2, 5, 1], accum=1),  # one step per batch, like a plain epoch
                 dict(seed=3, sizes=[4, 4, 4, 4], accum=2),  # equal groups: a stale gradient must not leak
                 dict(seed=6, sizes=[3, 2, 3, 1, 2, 3, 2], accum=4),  # 7 batches: a group of 4, then 3
                 dict(seed=7, sizes=[2, 2, 2, 2, 2, 2, 2, 2, 1], accum=3)],  # three full groups
       compare=same_parameters, priority=60, draw=losses("batch"))
def same_updates(module, seed, sizes, accum):
    model = classifier(seed, 5, 3)
    arrive_dirty(model, seed)
    loss_fn = RecordedCrossEntropy()
    _epoch(module, model, seed, sizes, accum, loss_fn=loss_fn)
    return {"parameters": parameters(model), "losses": loss_fn.values}


@check("the reported epoch loss is not the mean loss over the epoch's samples",
       given=dict(seed=seeds, sizes=loader_sizes, accum=accum_steps),
       examples=[dict(seed=4, sizes=[5, 5, 2], accum=2), dict(seed=8, sizes=[4, 4, 3, 4, 4, 4, 1], accum=4)],
       compare=same_returned_loss, priority=70)
def same_loss(module, seed, sizes, accum):
    return loss_value(_epoch(module, classifier(seed, 5, 3), seed, sizes, accum))


@check("the reported loss is not a Python float (a tensor, say), even where its value is right",
       given=dict(seed=seeds, sizes=loader_sizes, accum=accum_steps),
       examples=[dict(seed=5, sizes=[4, 3, 2], accum=2)], compare=same_loss_type, max_examples=3)
def loss_is_a_float(module, seed, sizes, accum):
    # Checked before the value, so a loss of the right value in the wrong type is named as such.
    return type(_epoch(module, classifier(seed, 5, 3), seed, sizes, accum, lr=0.0)).__name__


@check("the reported loss is not the cross-entropy of the model's logits, averaged over the samples",
       given=dict(seed=seeds, sizes=loader_sizes, accum=accum_steps),
       examples=[dict(seed=5, sizes=[4, 3, 2], accum=2)], compare=same_returned_loss, priority=55, max_examples=6)
def loss_of_logits(module, seed, sizes, accum):
    # A learning rate of 0 keeps the weights still: only how the loss is computed and
    # averaged counts, whatever the accumulation does to the updates.
    return loss_value(_epoch(module, classifier(seed, 5, 3), seed, sizes, accum, lr=0.0))


def _trained_in_train_mode(got, expected, **example):
    assert got == expected, "the model is still in eval mode after train_epoch_accumulated"


@check("a model handed over in eval mode is not trained in train mode",
       given=dict(seed=seeds, accum=accum_steps), compare=_trained_in_train_mode, priority=10)
def train_mode(module, seed, accum):
    model = classifier(seed, 5, 3)
    model.eval()
    _epoch(module, model, seed, [3, 2], accum, lr=0.1)
    return [layer.training for layer in model.modules()]


CHECKS = (same_updates, same_loss, loss_is_a_float, loss_of_logits, train_mode)
