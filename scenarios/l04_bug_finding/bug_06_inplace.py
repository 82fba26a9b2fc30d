"""Checks for classic bug 6: the residual classifier's forward and backward passes."""

import torch
from hypothesis import strategies as st

from bughunt.placement import plain
from scenarios._support import assert_same, check, seeds
from scenarios.l04_bug_finding._shared import fill_parameters

sizes = st.integers(1, 5)


def _inputs(seed: int, batch: int, features: int) -> torch.Tensor:
    return torch.randn(batch, features, generator=torch.Generator().manual_seed(seed + 1))  # (B, F)


def _same_forward(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the model did not run"
    assert_same(got["input"], expected["input"], "the caller's input after the forward pass (it must not change)",
                rtol=0, atol=0)
    assert_same(got["logits"], expected["logits"], "the logits", rtol=1e-4, atol=1e-5)


@check("the logits are not head(relu(linear(x)) + x), or the input is changed",
       given=dict(seed=seeds, batch=sizes, features=sizes, classes=sizes),
       examples=[dict(seed=0, batch=3, features=4, classes=2)], compare=_same_forward)
def same_forward(module, seed, batch, features, classes):
    model = fill_parameters(module.ResidualClassifier(features, classes), seed)
    x = _inputs(seed, batch, features)
    logits = model(x)
    return {"logits": plain(logits), "input": plain(x)}


def _same_gradients(got, expected, **example):
    assert isinstance(got, dict) and list(got) == list(expected), \
        "backward() did not give a gradient for every parameter and for the input"
    for name in expected:
        assert_same(got[name], expected[name], f"the gradient of {name!r}", rtol=1e-4, atol=1e-5)


@check("backpropagating through the model crashes or gives the wrong gradients",
       given=dict(seed=seeds, batch=sizes, features=sizes, classes=sizes),
       examples=[dict(seed=0, batch=4, features=3, classes=2)], compare=_same_gradients)
def same_gradients(module, seed, batch, features, classes):
    model = fill_parameters(module.ResidualClassifier(features, classes), seed)
    x = _inputs(seed, batch, features).requires_grad_()
    logits = model(x)
    weights = torch.randn(logits.shape, generator=torch.Generator().manual_seed(seed + 2))
    (logits * weights).sum().backward()
    grads = {name: plain(p.grad) if p.grad is not None else "no gradient"
             for name, p in sorted(model.named_parameters())}
    grads["input"] = plain(x.grad) if x.grad is not None else "no gradient"
    return grads


CHECKS = (same_forward, same_gradients)
