"""Checks for classic bug 1: labels split from a float table are int64 class indices."""

import torch
from hypothesis import strategies as st
from torch import nn

from scenarios._support import assert_same, check, parameters, seeds
from scenarios.l04_bug_finding._shared import dense, fill_parameters, same_training


def _table(seed: int, rows: int, features: int, classes: int) -> torch.Tensor:
    """(rows, features + 1) float32, the class id as a float in the last column."""
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(rows, features, generator=generator)
    labels = torch.randint(0, classes, (rows, 1), generator=generator).float()
    return torch.cat([values, labels], dim=1)


def _same_split(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), \
        "split_table did not return a (features, labels) pair"
    assert_same(got["labels"], expected["labels"], "the labels")
    assert_same(got["features"], expected["features"], "the features")
    assert_same(got["table"], expected["table"], "the table after the call (split_table must not change it)",
                rtol=0, atol=0)


@check("the labels split from a float table are not int64 class indices, "
       "so CrossEntropyLoss rejects them",
       given=dict(seed=seeds, rows=st.integers(1, 6), features=st.integers(1, 4),
                  classes=st.integers(2, 4)),
       examples=[dict(seed=0, rows=5, features=2, classes=3), dict(seed=1, rows=1, features=1, classes=2)],
       compare=_same_split)
def splits_table(module, seed, rows, features, classes):
    table = _table(seed, rows, features, classes)
    split = module.split_table(table)
    features_, labels = split
    return {"features": dense(features_), "labels": dense(labels), "table": dense(table)}


@check("training does not give the losses and weights of full-batch gradient descent "
       "on the cross-entropy",
       given=dict(seed=seeds, rows=st.integers(1, 6), epochs=st.integers(1, 4),
                  lr=st.sampled_from([0.1, 0.5])),
       examples=[dict(seed=0, rows=5, epochs=3, lr=0.5)], compare=same_training)
def trains(module, seed, rows, epochs, lr):
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(rows, 3, generator=generator)  # (N, F)
    labels = torch.randint(0, 4, (rows,), generator=generator)  # (N,) int64
    model = fill_parameters(nn.Linear(3, 4), seed)
    losses = module.train(model, features, labels, epochs, lr)
    return {"losses": losses, "parameters": parameters(model)}


CHECKS = (splits_table, trains)
