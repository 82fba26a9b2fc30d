"""Checks for classic bug 3: a batch from the CPU follows the model onto its device."""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device, host_batches, plain
from scenarios._support import (
    arrive_dirty,
    assert_same,
    assert_same_parameters,
    check,
    parameters,
    seeds,
    warm_the_meta_device,
)
from scenarios.l04_bug_finding._shared import fill_parameters, plain_batches


def _same_step(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "train_step did not return the batch loss"
    if isinstance(got["loss"], str):
        raise AssertionError(f"train_step returned {got['loss']}, not the batch loss as a tensor")
    assert_same(got["loss"], expected["loss"], "the returned loss", rtol=1e-5, atol=1e-6)
    assert got["on"] == expected["on"], f"the returned loss is on {got['on']}, not on the model's device"
    assert got["requires_grad"] == expected["requires_grad"], "the returned loss still carries the autograd graph"
    assert got["training"] == expected["training"], "train_step changed the model's train/eval mode"
    assert_same_parameters(got["parameters"], expected["parameters"], "the weights after the step")


@check("a batch that arrives on the CPU is not trained on the model's device: "
       "with the model on a GPU the step crashes",
       given=dict(seed=seeds, size=st.integers(1, 6)), examples=[dict(seed=0, size=4)],
       compare=_same_step)
def steps_on_device(module, seed, size):
    model = fill_parameters(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), seed).to(device())
    arrive_dirty(model, seed)  # eval mode, stale gradients
    (batch,) = host_batches(plain_batches(seed, [size], 4, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = module.train_step(model, batch, optimizer, nn.CrossEntropyLoss(), device())
    if not isinstance(loss, torch.Tensor):
        return {"loss": f"a {type(loss).__name__}", "on": "", "requires_grad": None,
                "training": model.training, "parameters": parameters(model)}
    return {"loss": plain(loss), "on": loss.device.type, "requires_grad": loss.requires_grad,
            "training": model.training, "parameters": parameters(model)}


def _same_shapes(got, expected, **example):
    assert got == expected, f"on an accelerator the step returned {got}, expected {expected}"


@check("on an accelerator the step crashes: part of the batch is left on the CPU",
       given=dict(size=st.integers(1, 6)), examples=[dict(size=3)], compare=_same_shapes)
def steps_on_an_accelerator(module, size):
    # meta tensors hold shapes, no data, and refuse to meet CPU tensors, as a GPU's do.
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to("meta")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batch = (torch.zeros(size, 4), torch.zeros(size, dtype=torch.long))  # on the CPU
    loss = module.train_step(model, batch, optimizer, nn.CrossEntropyLoss(), torch.device("meta"))
    return {"device": loss.device.type, "shape": list(loss.shape)}


CHECKS = (steps_on_device, steps_on_an_accelerator)
first_use = warm_the_meta_device  # a warm runner's once-for-all (the meta device's first kernels)
