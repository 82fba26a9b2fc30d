"""Pictures of the scenarios' symptoms: the `draw=` functions checks share, and the recorders
that note, while a check observes, the few numbers a picture needs.

A draw runs in the judge on the failing example's two observations and returns series
(`bughunt.series`), candidate beside reference; it decides nothing. A recorder runs on both
sides, like the rest of `observe`, and only reads what the code under test does.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from bughunt import series


class RecordedCrossEntropy(nn.CrossEntropyLoss):
    """Cross-entropy that notes the loss of every call (the loss per step of a loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[float | None] = []

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = super().forward(input, target)
        self.values.append(float(loss.detach().as_subclass(torch.Tensor).cpu()))
        return loss


class GradNorms:
    """The global gradient norm of `model` when backward has filled the gradients, and when
    the optimizer steps with them (after any clipping): `values` = [after backward, at step]."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.values: list[float | None] = [None, None]
        self._handles: list = []

    def _norm(self) -> float:
        grads = [p.grad.detach().as_subclass(torch.Tensor).double().cpu()
                 for p in self.model.parameters() if p.grad is not None]
        return math.sqrt(sum(float(g.pow(2).sum()) for g in grads))

    def __enter__(self) -> GradNorms:
        def after_backward(_parameter) -> None:
            self.values[0] = self._norm()

        def before_step(optimizer, args, kwargs) -> None:
            if self.values[1] is None:
                self.values[1] = self._norm()

        # Every parameter's hook: the last to fire in a backward sees all its gradients.
        self._handles = [p.register_post_accumulate_grad_hook(after_backward)
                         for p in self.model.parameters() if p.requires_grad]
        self._handles.append(register_optimizer_step_pre_hook(before_step))
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()


def field(got, key):
    """`got[key]` when `got` is the dict a check returns, else nothing to draw."""
    return got.get(key) if isinstance(got, dict) else None


def column(rows, key: str) -> list:
    """One key of every row of a history (a gap where a row lacks it)."""
    if not isinstance(rows, list):
        return []
    return [row.get(key) if isinstance(row, dict) else None for row in rows]


def losses(per: str, key: str = "losses"):
    """A draw: the loss of every batch or epoch (`per`), from the observation's `key`."""
    def draw(got, expected, **example) -> list[dict]:
        return [series.line(f"loss per {per}", per, "loss", field(got, key), expected[key])]
    return draw


def history_curves(*keys: str, rows: str | None = None):
    """A draw: the per-epoch `keys` of a history (the observation itself, or its `rows`)."""
    words = {"lr": "learning rate", "loss": "loss", "train_loss": "training loss",
             "val_loss": "validation loss", "val_acc": "validation accuracy"}

    def draw(got, expected, **example) -> list[dict]:
        got_rows = field(got, rows) if rows else got
        want_rows = expected[rows] if rows else expected
        return [series.line(f"{words.get(key, key)} per epoch", "epoch", words.get(key, key),
                            column(got_rows, key), column(want_rows, key)) for key in keys]
    return draw


def tensor_heat(key: str, title: str, x_label: str = "feature", y_label: str = "sample"):
    """A draw: the tensor at the observation's `key` as a heat map (a matrix; the first one of
    a larger tensor), so a swapped axis or a misplaced block of values shows as a pattern."""
    def draw(got, expected, **example) -> list[dict]:
        mine = field(got, key)
        return [series.heat(title, x_label, y_label, mine if isinstance(mine, torch.Tensor) else [],
                            expected[key])]
    return draw
