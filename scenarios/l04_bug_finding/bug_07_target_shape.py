"""Checks for classic bug 7: each prediction is compared with its own sample's target."""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import plain
from scenarios._support import assert_same, check, parameters, seeds
from scenarios.l04_bug_finding._shared import fill_parameters, same_training

rows = st.integers(2, 6)  # with one sample, (1, 1) against (1,) compares the right pair


def _data(seed: int, n: int, features: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed + 1)
    inputs = torch.randn(n, features, generator=generator)  # (N, F)
    targets = inputs.sum(dim=1) + torch.randn(n, generator=generator)  # (N,)
    return inputs, targets


def _same_loss(got, expected, **example):
    assert isinstance(got, dict) and list(got) == list(expected), "regression_loss did not return a loss"
    assert_same(got["loss"], expected["loss"], "the loss", rtol=1e-4, atol=1e-5)
    assert_same(got["gradient"], expected["gradient"], "the gradient of the weights", rtol=1e-4, atol=1e-5)


@check("the loss does not compare each prediction with its own sample's target",
       given=dict(seed=seeds, n=rows, features=st.integers(1, 4)),
       examples=[dict(seed=0, n=4, features=3), dict(seed=1, n=2, features=1)], compare=_same_loss)
def loss_per_sample(module, seed, n, features):
    model = fill_parameters(nn.Linear(features, 1), seed)
    inputs, targets = _data(seed, n, features)
    loss = module.regression_loss(model, inputs, targets)
    loss.backward()
    return {"loss": plain(loss), "gradient": plain(model.weight.grad)}


@check("training does not fit the targets: the losses and weights are not those of "
       "gradient descent on the per-sample squared error",
       given=dict(seed=seeds, n=rows, epochs=st.integers(1, 4), lr=st.sampled_from([0.05, 0.2])),
       examples=[dict(seed=0, n=5, epochs=3, lr=0.2)], compare=same_training)
def trains(module, seed, n, epochs, lr):
    model = fill_parameters(nn.Linear(3, 1), seed)
    inputs, targets = _data(seed, n, 3)
    losses = module.train(model, inputs, targets, epochs, lr)
    return {"losses": losses, "parameters": parameters(model)}


CHECKS = (loss_per_sample, trains)
