"""Checks for classic bug 9: every step is driven by its own batch's gradient alone."""

import torch
from hypothesis import strategies as st
from torch import nn

from scenarios._pictures import losses
from scenarios._support import arrive_dirty, assert_same_parameters, batch_sizes, check, parameters, seeds
from scenarios.l04_bug_finding._shared import assert_same_history, fill_parameters, regression_batches


def _same_training(got, expected, **example):
    # `same_training` with the weights judged before the losses: the stale gradient shows first
    # in the weights it moved, and this bug's failure has always been worded so.
    assert isinstance(got, dict) and list(got) == list(expected), "train did not return the list of losses"
    assert_same_parameters(got["parameters"], expected["parameters"], "the trained weights")
    assert_same_history(got["losses"], expected["losses"])


@check("training steps are driven by gradients left over from earlier steps, "
       "not by each batch's own gradient",
       given=dict(seed=seeds, sizes=batch_sizes, epochs=st.integers(1, 3), lr=st.sampled_from([0.05, 0.2])),
       examples=[dict(seed=0, sizes=[4, 4, 2], epochs=2, lr=0.2),
                 dict(seed=1, sizes=[3], epochs=1, lr=0.05)],
       compare=_same_training, draw=losses("epoch"))
def own_gradients(module, seed, sizes, epochs, lr):
    model = fill_parameters(nn.Linear(3, 2), seed)
    arrive_dirty(model, seed)  # stale .grad from an earlier caller
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = module.train(model, regression_batches(seed, sizes, 3, 2), optimizer, nn.MSELoss(), epochs)
    return {"losses": losses, "parameters": parameters(model)}


CHECKS = (own_gradients,)
