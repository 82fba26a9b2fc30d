"""Checks for classic bug 8: an epoch-based scheduler steps once per epoch."""

import torch
from hypothesis import strategies as st
from torch import nn

from scenarios._pictures import history_curves
from scenarios._support import assert_same, assert_same_parameters, check, parameters, seeds
from scenarios.l04_bug_finding._shared import fill_parameters, plain_batches


def _same_history(got, expected, **example):
    assert isinstance(got, dict) and list(got) == list(expected), "train did not return a history"
    history = got["history"]
    rows = len(history) if isinstance(history, list) else "no"
    assert rows == len(expected["history"]), f"the history has {rows} rows, one per epoch was expected"
    got_rates = [row.get("lr") if isinstance(row, dict) else None for row in history]
    expected_rates = [row["lr"] for row in expected["history"]]
    assert_same(got_rates, expected_rates, "the learning rate of each epoch")
    assert_same(history, expected["history"], "the history", rtol=1e-4, atol=1e-5)
    assert_same_parameters(got["parameters"], expected["parameters"], "the trained weights")


@check("the learning rate does not follow the schedule: the scheduler is not stepped once per epoch",
       given=dict(seed=seeds, sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
                  epochs=st.integers(1, 4), step_size=st.integers(1, 2)),
       examples=[dict(seed=0, sizes=[3, 2, 2], epochs=3, step_size=1),
                 dict(seed=1, sizes=[4, 4], epochs=4, step_size=2)],
       compare=_same_history, draw=history_curves("lr", "loss", rows="history"))
def follows_schedule(module, seed, sizes, epochs, step_size):
    model = fill_parameters(nn.Linear(4, 3), seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=0.5)
    history = module.train(model, plain_batches(seed, sizes, 4, 3), optimizer, scheduler,
                           nn.CrossEntropyLoss(), epochs)
    return {"history": history, "parameters": parameters(model)}


CHECKS = (follows_schedule,)
