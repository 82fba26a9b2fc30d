"""Checks for `train_one_epoch`: same updates and loss as the reference, train mode after."""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device
from scenarios._pictures import RecordedCrossEntropy, losses
from scenarios._support import (
    arrive_dirty,
    batch_sizes,
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


def _epoch(module, model, seed, sizes, lr, features=5, classes=3, loss_fn=None):
    batches = classification_batches(seed, sizes, features, classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return seeded(seed, module.train_one_epoch, model, batches, optimizer, loss_fn or nn.CrossEntropyLoss(),
                  device())


@check("after one epoch the model's weights are not what a correct training loop gives",
       given=dict(seed=seeds, sizes=batch_sizes, lr=st.sampled_from([0.05, 0.5])),
       examples=[dict(seed=0, sizes=[4, 4, 1], lr=0.5)], compare=same_parameters, priority=60,
       draw=losses("batch"))
def same_updates(module, seed, sizes, lr):
    model = classifier(seed, 5, 3)
    arrive_dirty(model, seed)
    loss_fn = RecordedCrossEntropy()
    _epoch(module, model, seed, sizes, lr, loss_fn=loss_fn)
    return {"parameters": parameters(model), "losses": loss_fn.values}


@check("the reported epoch loss is not the mean loss over the epoch's samples",
       given=dict(seed=seeds, sizes=batch_sizes), examples=[dict(seed=1, sizes=[5, 5, 2])],
       compare=same_returned_loss, priority=70)
def same_loss(module, seed, sizes):
    return loss_value(_epoch(module, classifier(seed, 5, 3), seed, sizes, 0.5))


@check("the reported loss is not a Python float (a tensor, say), even where its value is right",
       given=dict(seed=seeds, sizes=batch_sizes), examples=[dict(seed=2, sizes=[4, 3])],
       compare=same_loss_type, max_examples=3)
def loss_is_a_float(module, seed, sizes):
    # Checked before the value, so a loss of the right value in the wrong type is named as such.
    return type(_epoch(module, classifier(seed, 5, 3), seed, sizes, 0.0)).__name__


@check("the reported loss is not the cross-entropy of the model's logits, averaged over the samples",
       given=dict(seed=seeds, sizes=batch_sizes), examples=[dict(seed=2, sizes=[4, 3])],
       compare=same_returned_loss, priority=55, max_examples=6)
def loss_of_logits(module, seed, sizes):
    # A learning rate of 0 keeps the weights still: whatever the updates do, every batch's
    # loss is the untrained model's, so only how the loss is computed and averaged counts.
    return loss_value(_epoch(module, classifier(seed, 5, 3), seed, sizes, 0.0))


def _trained_in_train_mode(got, expected, **example):
    assert got == expected, "the model is still in eval mode after train_one_epoch"


@check("a model handed over in eval mode is not trained in train mode",
       given=dict(seed=seeds), compare=_trained_in_train_mode, priority=10)
def train_mode(module, seed):
    model = classifier(seed, 5, 3)
    model.eval()
    _epoch(module, model, seed, [3, 2], 0.1)
    return model.training


CHECKS = (same_updates, same_loss, loss_is_a_float, loss_of_logits, train_mode)
