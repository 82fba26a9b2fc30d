"""Checks for classic bug 10: the cross-entropy is computed from the raw logits."""

import torch
from hypothesis import strategies as st
from torch import nn

from scenarios._support import batch_sizes, check, parameters, seeds
from scenarios.l04_bug_finding._shared import fill_parameters, plain_batches, same_training


@check("the loss is not the cross-entropy of the model's logits: it stays high and training stalls",
       given=dict(seed=seeds, sizes=batch_sizes, epochs=st.integers(1, 3), lr=st.sampled_from([0.1, 0.5])),
       examples=[dict(seed=0, sizes=[4, 4, 2], epochs=2, lr=0.5)], compare=same_training)
def cross_entropy_of_logits(module, seed, sizes, epochs, lr):
    model = fill_parameters(nn.Linear(4, 3), seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = module.train(model, plain_batches(seed, sizes, 4, 3), optimizer, epochs)
    return {"losses": losses, "parameters": parameters(model)}


CHECKS = (cross_entropy_of_logits,)
