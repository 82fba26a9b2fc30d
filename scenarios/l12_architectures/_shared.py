"""What the architecture checks share: observations that do not depend on a model's internals.

A learner may name, order and initialise the layers of these models as they like, so no
check loads weights across by name. Instead the observations are properties every correct
model has, whatever its weights: output shapes and modes, the identity a residual block
becomes with its weights at zero, which input pixels each output pixel depends on (read
from gradients with every weight set to a positive constant, so no ReLU hides a path),
per-sample independence in eval mode, gradients that reach every parameter, and the shapes
of the convolution kernels where the contract fixes them. Observations return raw values
(outputs, gradients) and the judge decides: no observation reports a verdict about itself.
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device, plain
from scenarios._support import finite, largest, reaches

seeds = st.integers(0, 2**16)
pixels = st.integers(4, 9)  # H and W drawn apart: non-square maps are the usual case
widths = st.integers(1, 6)  # channel counts


def images(seed: int, batch: int, channels: int, height: int, width: int) -> torch.Tensor:
    """A (B, C, H, W) float32 batch on the checks' device, drawn from `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, channels, height, width, generator=generator).to(device())


def built(model: nn.Module, seed: int) -> nn.Module:
    """`model` on the checks' device; `seed` also fixes what its forward pass might draw."""
    torch.manual_seed(seed)
    return model.to(device())


def described(value) -> object:
    """A returned value as an observation: a tensor's shape and dtype, or its type's name."""
    if isinstance(value, torch.Tensor):
        return {"shape": list(value.shape), "dtype": value.dtype}
    return f"a {type(value).__name__}"


def modes(model: nn.Module) -> list[bool]:
    """`model.training` and whether every submodule agrees with it."""
    return [model.training, all(m.training == model.training for m in model.modules())]


def shapes_in_both_modes(model: nn.Module, x: torch.Tensor) -> dict:
    """The output's shape and dtype, and the mode left behind, for a call in each mode."""
    seen = {}
    for mode in ("train", "eval"):
        model.train(mode == "train")
        with torch.no_grad():
            out = model(x)
        seen[mode] = {"output": described(out), "modes": modes(model)}
    return seen


def zeroed(model: nn.Module) -> nn.Module:
    """Every parameter of `model` set to zero, BatchNorm's scale and shift included."""
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
    return model


def positive(model: nn.Module) -> nn.Module:
    """Every weight a positive constant (1 / fan-in for kernels, 0.5 for vectors), in float64.

    With a positive input every activation is positive, so every ReLU passes its input and
    every path from an input pixel to an output pixel shows up in the gradient.
    """
    model = model.double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(1.0 / parameter[0].numel() if parameter.dim() > 1 else 0.5)
    return model


def dependence(model: nn.Module, x: torch.Tensor, channels: list[int] | None = None,
               where: list[tuple[int, int]] | None = None) -> dict:
    """Which input pixels each output pixel depends on, in eval mode, for a batch of one.

    `support` is a bool tensor (K, P, H, W): for K channel groups (all channels together
    when `channels` is None, else each listed output channel) and the P output pixels in
    `where` (all of them when None), True where some input channel at that pixel has a path
    to it.
    """
    model = positive(model).eval()
    x = (x[:1].abs() + 0.1).double().requires_grad_(True)  # (1, C, H, W), positive
    out = model(x)  # (1, C_out, H', W')
    where = where or [(i, j) for i in range(out.shape[2]) for j in range(out.shape[3])]
    groups = [out[0].sum(0)] if channels is None else [out[0, c] for c in channels]
    rows = []
    for group in groups:  # (H', W')
        for i, j in where:
            (grad,) = torch.autograd.grad(group[i, j], x, retain_graph=True)
            rows.append(grad[0].abs().sum(0) > 0)  # (H, W)
    support = torch.stack(rows).reshape(len(groups), len(where), *x.shape[2:])
    return {"output": described(out), "where": [list(p) for p in where], "support": plain(support)}


def raw(value) -> object:
    """A returned value as an observation: a tensor as a plain CPU tensor, else its type's name."""
    return plain(value) if isinstance(value, torch.Tensor) else f"a {type(value).__name__}"


def independent(model: nn.Module, x: torch.Tensor) -> dict:
    """Each sample's output in eval mode, in the batch and in a batch of its own."""
    model.eval()
    with torch.no_grad():
        together = model(x)
        alone = [model(x[i:i + 1]) for i in range(x.shape[0])]
    return {"output": described(together), "together": raw(together), "alone": [raw(a) for a in alone]}


def train_gradients(model: nn.Module, x: torch.Tensor, seed: int) -> dict:
    """Train mode, one backward of a weighted sum of the output: every gradient, as it is."""
    model.train()
    x = x.clone().requires_grad_(True)
    out = model(x)
    generator = torch.Generator().manual_seed(seed)
    weights = torch.randn(out.shape, generator=generator).to(out.device)
    (out * weights).sum().backward()
    return {"parameters": [None if p.grad is None else plain(p.grad) for p in model.parameters()],
            "input": None if x.grad is None else plain(x.grad)}


def outputs(model: nn.Module, x: torch.Tensor) -> dict:
    """The outputs themselves, in train mode and in eval mode, for properties of their values."""
    seen = {}
    for mode in ("train", "eval"):
        model.train(mode == "train")
        with torch.no_grad():
            seen[mode] = raw(model(x))
    return seen


def kernels(model: nn.Module) -> list[list[int]]:
    """The shapes of the 4-D weights (convolution kernels), sorted: (out, in, kH, kW)."""
    return sorted(list(p.shape) for p in model.parameters() if p.dim() == 4)


# --- comparisons (judge side) -----------------------------------------------------------------

def comparing(assertion, call):
    """A check's comparison: `assertion(got, expected, call(**example))`, one of the `assert_*`
    helpers below, with the model under test named by `call` as the failing example built it."""
    def compare(got, expected, **example) -> None:
        assertion(got, expected, call(**example))
    return compare


def shape_text(observed) -> str:
    if isinstance(observed, dict) and "shape" in observed:
        return f"a tensor of shape {tuple(observed['shape'])}"
    return str(observed)


def assert_shapes_in_both_modes(got, expected, what: str) -> None:
    assert isinstance(got, dict) and set(got) == set(expected), f"{what} could not be called in both modes"
    for mode in expected:
        g, e = got[mode], expected[mode]
        assert isinstance(g, dict) and g.get("output") == e["output"], (
            f"in {mode} mode, {what} returns {shape_text(g.get('output') if isinstance(g, dict) else g)}; "
            f"a correct one returns {shape_text(e['output'])}")
        assert g.get("modes") == e["modes"], (
            f"{what} does not stay in the {mode} mode it was put in: calling it changed the mode "
            "of the model or of some of its layers")


def assert_independent(got, expected, what: str) -> None:
    assert isinstance(got, dict) and got.get("output") == expected["output"], (
        f"{what} returns {shape_text(got.get('output') if isinstance(got, dict) else got)}; "
        f"a correct one returns {shape_text(expected['output'])}")
    together, alone = got.get("together"), got.get("alone")
    assert isinstance(alone, list) and all(isinstance(a, torch.Tensor) and a.shape == together[i:i + 1].shape
                                           for i, a in enumerate(alone)), \
        f"{what} returns outputs of another shape for a batch of one"
    assert finite(together) and finite(alone), f"{what} returns NaN or infinite values"
    # Beyond what float32 rounding explains (atol 1e-5, rtol 1e-4): a NaN gap is the largest.
    excess = largest(float(((a - together[i:i + 1]).abs() - 1e-4 * together[i:i + 1].abs()).max())
                     for i, a in enumerate(alone))
    assert excess <= 1e-5, (
        f"in eval mode, {what} gives a sample a different output in a batch than on its own: "
        "samples leak into each other")


def assert_gradients_reach(got, expected, what: str) -> None:
    """A `train_gradients` observation has a finite gradient for every parameter and a nonzero
    one for the input: whether gradients arrive, not their values (the weights are the learner's)."""
    assert isinstance(got, dict) and isinstance(got.get("parameters"), list), f"{what} could not be trained"
    grads = got["parameters"]
    assert grads, f"{what} has no parameters to train"
    missing = sum(g is None for g in grads)
    assert missing == 0, (
        f"after a backward pass, {missing} of {what}'s parameter tensors have no gradient: "
        "some layer is built but never used on the way to the output")
    assert finite(grads), f"after a backward pass, {what}'s gradients hold NaN or infinite values"
    assert reaches(got.get("input")), f"no finite gradient flows back from {what}'s output to its input"


def _box(support: torch.Tensor) -> str:
    rows, cols = support.nonzero(as_tuple=True)
    if rows.numel() == 0:
        return "no input pixel at all"
    return (f"input rows {int(rows.min())}-{int(rows.max())}, "
            f"columns {int(cols.min())}-{int(cols.max())} ({rows.numel()} pixels)")


def assert_same_dependence(got, expected, what: str, groups: list[str] | None = None) -> None:
    """Compare two `dependence` observations; the message names the first output pixel (and
    channel) whose input pixels differ."""
    assert isinstance(got, dict) and got.get("output") == expected["output"], (
        f"{what} returns {shape_text(got.get('output') if isinstance(got, dict) else got)}; "
        f"a correct one returns {shape_text(expected['output'])}")
    support, want = got.get("support"), expected["support"]
    assert isinstance(support, torch.Tensor) and support.dtype == torch.bool and \
        support.shape == want.shape and got.get("where") == expected["where"], \
        f"{what} does not connect input pixels to output pixels the way a correct one does"
    differ = (support != want).flatten(2).any(-1).nonzero()  # (n, 2): group, pixel
    if differ.numel() == 0:
        return
    g, p = (int(v) for v in differ[0])
    pixel = tuple(expected["where"][p])
    label = f"output channel {groups[g]}" if groups else "the output"
    raise AssertionError(
        f"in {what}, pixel {pixel} of {label} is computed from {_box(support[g, p])}; in a "
        f"correct one from {_box(want[g, p])}")
