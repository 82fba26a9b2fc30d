"""Helpers the scenarios' checks share: tiny data and models for observations, and the
comparisons the judge makes on what comes back.

Observation helpers (`classification_batches`, `classifier`, `parameters`, …) run on both sides;
comparison helpers (`assert_same`, `assert_same_parameters`, …) run in the judge on decoded
data. Every comparison holds one rule: a number in the candidate's observation is finite unless
the reference's is not, so a NaN or an infinity is never a pass, wherever it sits (`differs`,
`reaches`, `largest` are the "it changed" / "a gradient arrived" / "the worst gap" tests that
keep that rule; a bare `not allclose`, `ne(0)` or `max()` would not). Nothing here runs tensor
work at import time: the runner imports checks in a zygote that forks, and a forked OpenMP pool
can deadlock its children.
"""

from __future__ import annotations

import math

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.judge import checking
from bughunt.placement import device, host_batches, plain

# float32 tolerances: a correct loop may sum its losses in float32 or in Python floats.
LOSS_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}

seeds = st.integers(0, 2**16)
batch_sizes = st.lists(st.integers(1, 6), min_size=1, max_size=4)  # the last one may be short


class Loader:
    """What a contract's `loader` offers, as a DataLoader does: iteration (afresh every epoch),
    `len(loader)` (the number of batches) and `loader.dataset` (whose `len` is the number of
    samples), so that `total / len(loader.dataset)` works as in PyTorch's own examples.
    Batches of any sizes, drawn by a check, in order."""

    def __init__(self, batches) -> None:
        self._batches = list(batches)
        columns = list(zip(*self._batches))
        self.dataset = torch.utils.data.TensorDataset(*[torch.cat(column) for column in columns]) \
            if columns else torch.utils.data.TensorDataset(torch.empty(0))
        self.batch_size = len(self._batches[0][0]) if self._batches else 1

    def __iter__(self):
        return iter(self._batches)

    def __len__(self) -> int:
        return len(self._batches)


def classification_batches(seed: int, sizes: list[int], features: int, classes: int) -> Loader:
    """A loader of `(inputs (B, F) float32, targets (B,) int64)` batches on the host."""
    generator = torch.Generator().manual_seed(seed)
    batches = []
    for size in sizes:
        inputs = torch.randn(size, features, generator=generator)  # (B, F)
        targets = torch.randint(0, classes, (size,), generator=generator)  # (B,)
        batches.append((inputs, targets))
    return Loader(host_batches(batches))


def classifier(seed: int, features: int, classes: int, hidden: int = 8, dropout: float = 0.5) -> nn.Module:
    """A small MLP with Dropout, so train and eval mode give different outputs."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout),
                          nn.Linear(hidden, classes))
    return model.to(device())


def parameters(model: nn.Module) -> dict:
    """The observation of a model's weights: name -> plain CPU tensor."""
    return {name: plain(p) for name, p in model.named_parameters()}


def arrive_dirty(model: nn.Module, seed: int) -> None:
    """Put `model` in eval mode with stale gradients, as a careless caller might leave it."""
    model.eval()
    generator = torch.Generator().manual_seed(seed + 1)
    for parameter in model.parameters():
        parameter.grad = torch.randn(parameter.shape, generator=generator).to(parameter.device)


def finite(value) -> bool:
    """Whether every number in `value` (a tensor, a number, or lists and dicts of them) is finite."""
    if isinstance(value, torch.Tensor):
        return not (value.dtype.is_floating_point or value.dtype.is_complex) or bool(torch.isfinite(value).all())
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(finite(v) for v in value)
    return True


def assert_finite(value, what: str = "the result") -> None:
    """A NaN or infinity anywhere in `value` fails: for observations with no reference value
    to compare number by number (properties, drawn internals)."""
    assert finite(value), f"{what} holds NaN or infinite values"


def differs(a, b, atol: float = 1e-6) -> bool:
    """`a` and `b` are tensors of one shape, both finite, and differ somewhere by more than `atol`.
    A NaN never counts as a change: it is a failure."""
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and finite(a) and finite(b) and bool(((a.double() - b.double()).abs() > atol).any()))


def reaches(gradient) -> bool:
    """A gradient arrived: a finite tensor, not zero everywhere."""
    return isinstance(gradient, torch.Tensor) and finite(gradient) and bool(gradient.ne(0).any())


def largest(values) -> float:
    """The largest of `values`, where a NaN is the largest of all (`inf`): Python's `max()` keeps
    whichever comes first when it meets a NaN."""
    values = [float(v) for v in values]
    return math.inf if any(math.isnan(v) for v in values) else max(values, default=0.0)


def assert_close(got, expected, *, rtol: float, atol: float, msg=None) -> None:
    """Like `torch.testing.assert_close` for two tensors, with a one-line description.

    The torch version imports `torch.distributed.tensor` on first use (about 0.6 s), which
    a one-file `bughunt check` would pay every time; and its report is longer than a learner
    needs. `msg(description)` words the failure for the check.
    """
    def fail(description: str):
        raise AssertionError(msg(description) if callable(msg) else msg or description)

    if not isinstance(got, torch.Tensor):
        fail(f"expected a tensor, got {type(got).__name__}")
    if got.shape != expected.shape:
        fail(f"shape {tuple(got.shape)} where {tuple(expected.shape)} was expected")
    if got.dtype != expected.dtype:
        fail(f"dtype {got.dtype} where {expected.dtype} was expected")
    if got.device.type != expected.device.type:
        fail(f"on {got.device.type} where {expected.device.type} was expected")
    got, expected = got.detach(), expected.detach()
    if got.dtype.is_floating_point or got.dtype.is_complex:
        # equal_nan: a NaN (or an infinity) passes only where the reference's is one too.
        close = torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = got == expected
    if bool(close.all()):
        return
    wrong = (~close).nonzero()[0].tolist()
    difference = (got.double() - expected.double()).abs().nan_to_num(float("inf"))
    fail(f"{int((~close).sum())} of {close.numel()} values differ; largest difference "
         f"{float(difference.max()):.3g}; first at index {tuple(wrong)}: "
         f"{got[tuple(wrong)].item():.6g} instead of {expected[tuple(wrong)].item():.6g}")


def assert_same(got, expected, what: str = "the result", *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """`got` has the structure of `expected` (types, keys, lengths), every tensor is close, and
    every other value equal (floats within the tolerances)."""
    if isinstance(expected, torch.Tensor):
        assert_close(got, expected, rtol=rtol, atol=atol, msg=lambda m: f"{what}: {m}")
    elif isinstance(expected, dict):
        assert isinstance(got, dict), f"{what} should be a dict, got {type(got).__name__}"
        # Key order is free: a dict is its keys and values.
        assert set(got) == set(expected), \
            f"{what} has keys {sorted(map(str, got))}, expected {sorted(map(str, expected))}"
        for key in expected:
            assert_same(got[key], expected[key], f"{what}[{key!r}]", rtol=rtol, atol=atol)
    elif isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)), f"{what} should be a sequence, got {type(got).__name__}"
        assert len(got) == len(expected), f"{what} has {len(got)} items, expected {len(expected)}"
        for i, (a, b) in enumerate(zip(got, expected)):
            assert_same(a, b, f"{what}[{i}]", rtol=rtol, atol=atol)
    elif isinstance(expected, float) and not isinstance(got, bool) and isinstance(got, (int, float)):
        both_nan = math.isnan(got) and math.isnan(expected)
        assert abs(got - expected) <= atol + rtol * abs(expected) or got == expected or both_nan, \
            f"{what} is {got!r}, expected {expected!r}"
    else:
        assert type(got) is type(expected) and got == expected, f"{what} is {got!r}, expected {expected!r}"


def same(what: str = "the result", **tolerances):
    """The comparison `assert_same(got, expected, what, **tolerances)`, as a check's `compare`."""
    def compare(got, expected, **example) -> None:
        assert_same(got, expected, what, **tolerances)
    return compare


def check(symptom: str, *, compare=None, **options):
    """`bughunt.judge.checking.check` with the scenarios' default comparison, `same()`:
    the engine knows no comparison of its own."""
    return checking.check(symptom, compare=compare or same(), **options)


def assert_same_parameters(got: dict, expected: dict, what: str = "the parameters") -> None:
    """Compare two `parameters(model)` observations."""
    assert isinstance(got, dict) and set(got) == set(expected), \
        f"{what}: the model's parameters are not the ones a correct run has"
    for name in expected:
        assert_close(got[name], expected[name], rtol=1e-4, atol=1e-5,
                     msg=lambda m, name=name: f"{what} differ from a correct run at {name!r}: {m}")


def same_parameters(got: dict, expected: dict, **example) -> None:
    """The comparison of two observations whose `"parameters"` are `parameters(model)`."""
    assert_same_parameters(got["parameters"], expected["parameters"])


def loss_value(value):
    """A returned loss as an observation: a float stays a float, anything else is named."""
    return value if isinstance(value, float) else f"a {type(value).__name__}"


def assert_same_loss(got, expected: float, what: str = "the returned loss") -> None:
    assert isinstance(got, float), \
        f"{what} should be a Python float, got {got if isinstance(got, str) else type(got).__name__}"
    assert_close(torch.tensor(got), torch.tensor(expected), **LOSS_TOLERANCE,
                               msg=lambda m: f"{what} is {got!r}, a correct run gives {expected!r}")


def same_returned_loss(got, expected: float, **example) -> None:
    """The comparison of two `loss_value` observations."""
    assert_same_loss(got, expected)


def same_loss_type(got: str, expected: str, **example) -> None:
    """The comparison of two observations of the returned loss's type name."""
    assert got == expected, f"the returned loss is a {got}, where a correct run returns a Python {expected}"


def seeded(seed: int, function, *args, **kwargs):
    """Call `function` with the global RNG at `seed`, so Dropout draws the same masks."""
    torch.manual_seed(seed)
    return function(*args, **kwargs)


def warm_the_meta_device() -> None:
    """A checks module's `first_use()` when its checks run candidates on the meta device: the
    meta kernels written in Python import sympy on their first call, and a backward given an
    explicit gradient imports torch's symbolic shapes (0.3-0.8 s in all). A warm runner calls
    it once, before it forks a child per candidate."""
    layer = nn.Linear(3, 2).to("meta")
    x = torch.cat([torch.empty(2, 2, device="meta"), torch.empty(2, 1, device="meta")], dim=1)  # (B, 3)
    out = nn.functional.leaky_relu(layer(x).half(), 0.1)  # (B, 2)
    out.backward(torch.empty_like(out))
    torch.optim.SGD(layer.parameters(), lr=0.1).step()
