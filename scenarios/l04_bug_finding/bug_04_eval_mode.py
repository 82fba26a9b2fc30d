"""Checks for classic bug 4: evaluation runs in eval mode, without gradients, and changes nothing."""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import plain
from scenarios._support import assert_same, check, seeds
from scenarios.l04_bug_finding._shared import fill_parameters, plain_batches


class _GradProbe(nn.Module):
    """Passes its input through and records whether autograd was tracking at that moment."""

    def __init__(self) -> None:
        super().__init__()
        self.tracked: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.tracked.append(torch.is_grad_enabled())
        return x


def _trained_model(seed: int, features: int, classes: int) -> tuple[nn.Module, _GradProbe]:
    """A classifier with BatchNorm and Dropout, in train mode, whose running statistics
    have already moved away from their initial values."""
    probe = _GradProbe()
    model = fill_parameters(nn.Sequential(nn.Linear(features, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                          nn.Dropout(0.5), nn.Linear(8, classes), probe), seed)
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        model(torch.randn(16, features, generator=generator) * 2 + 1)
    probe.tracked.clear()
    return model, probe


def _same_evaluation(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "evaluate did not run"
    assert got["modes"] == expected["modes"], "the model is still in train mode after evaluate"
    assert isinstance(got["tracked"], list) and got["tracked"], "evaluate never ran the model"
    assert not any(got["tracked"]), "evaluate tracks gradients during its forward passes"
    assert_same(got["running_mean"], expected["running_mean"],
                "BatchNorm's running mean after evaluation (evaluating must not change it)")
    assert_same(got["running_var"], expected["running_var"],
                "BatchNorm's running variance after evaluation (evaluating must not change it)")
    assert_same(got["accuracy"], expected["accuracy"], "the accuracy")


@check("evaluating the model gives a noisy, wrong accuracy and changes the model: "
       "Dropout and BatchNorm still act as in training",
       given=dict(seed=seeds, sizes=st.lists(st.integers(2, 6), min_size=1, max_size=3)),
       examples=[dict(seed=1, sizes=[6, 6]), dict(seed=0, sizes=[4, 1])], compare=_same_evaluation)
def evaluates(module, seed, sizes):
    model, probe = _trained_model(seed, 5, 3)
    accuracy = module.evaluate(model, plain_batches(seed, sizes, 5, 3))
    norm = model[1]
    return {"accuracy": accuracy if isinstance(accuracy, float) else f"a {type(accuracy).__name__}",
            "modes": [layer.training for layer in model.modules()], "tracked": probe.tracked,
            "running_mean": plain(norm.running_mean), "running_var": plain(norm.running_var)}


CHECKS = (evaluates,)
