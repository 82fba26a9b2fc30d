"""What the level's checks share: weights loaded across by their documented names, inputs,
gradients as observations, and the comparisons the judge makes on them.

Both sides must hold identical weights. A correct model may create its layers in any
order, so equal seeds need not give equal initial weights: every check builds the model,
then loads a state dict made from seeded tensors under the names the docstrings pin.
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from bughunt.placement import device, plain
from scenarios._support import assert_close, assert_same

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}  # a correct model may order its float ops differently

sizes = st.integers(1, 5)
batches = st.integers(1, 4)


def linear(prefix: str, fan_in: int, fan_out: int) -> dict[str, tuple[int, ...]]:
    """The parameter shapes of an `nn.Linear(fan_in, fan_out)` saved under `prefix`."""
    return {f"{prefix}weight": (fan_out, fan_in), f"{prefix}bias": (fan_out,)}


def state(seed: int, shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """Seeded weights under the documented names, in the documented order."""
    generator = torch.Generator().manual_seed(seed)
    return {name: (0.5 * torch.randn(shape, generator=generator)).to(device())
            for name, shape in shapes.items()}


def inputs(seed: int, **shapes: tuple[int, ...]) -> dict[str, torch.Tensor]:
    """One seeded input tensor per keyword, on the checks' device."""
    generator = torch.Generator().manual_seed(seed + 1)
    return {name: torch.randn(shape, generator=generator).to(device()) for name, shape in shapes.items()}


def load(model, weights: dict[str, torch.Tensor]) -> str | None:
    """Load `weights` into `model`; a sentence for the learner when the names do not fit."""
    try:
        model.to(device())
        model.load_state_dict(weights)
    except Exception as error:  # noqa: BLE001 - a wrong layout, worded for the learner
        detail = " ".join(str(error).split())[:400]
        return f"the model's parameters do not have the names and shapes the docstring lists: {detail}"
    return None


def tensor(value):
    """A returned value as an observation: a tensor as a plain CPU tensor, anything else named."""
    if isinstance(value, torch.Tensor):
        return plain(value)
    return f"a {type(value).__name__}"


def gradients(model, weights: dict, call, **given: torch.Tensor) -> dict:
    """The gradients of a weighted sum of `call(**inputs)` w.r.t. the inputs and the weights.

    Every output counts, each with its own weight, so a swapped or lost element shows.
    A tensor that receives no gradient is observed as None.
    """
    leaves = {name: value.clone().requires_grad_() for name, value in given.items()}
    output = call(**leaves)
    scale = torch.linspace(-1.0, 1.0, output.numel(), device=output.device).reshape(output.shape)
    (output * scale).sum().backward()
    params = dict(model.named_parameters())
    found = {name: leaf.grad for name, leaf in leaves.items()}
    found.update({name: params[name].grad for name in weights})
    return {name: None if grad is None else plain(grad) for name, grad in found.items()}


def assert_tensor(got, expected: torch.Tensor, what: str) -> None:
    """`got` is the tensor `expected` is: same shape, values within the tolerances."""
    assert isinstance(got, torch.Tensor), \
        f"{what} should be a tensor, not {got if isinstance(got, str) else type(got).__name__}"
    assert got.shape == expected.shape, \
        f"{what} has shape {tuple(got.shape)}, a correct model gives {tuple(expected.shape)}"
    assert_close(got, expected, **TOLERANCE, msg=lambda m: f"{what} differs from a correct model's: {m}")


def assert_loaded(got) -> None:
    """The candidate's observation is not the sentence `load` gives for a wrong layout."""
    if isinstance(got, str) and got.startswith("the model's parameters"):
        raise AssertionError(got)


def assert_gradients(got, expected: dict, names: dict[str, str]) -> None:
    """Every gradient as a correct model has it; `names` words each tensor for the learner."""
    assert_loaded(got)
    assert isinstance(got, dict), f"the gradients could not be observed: got {type(got).__name__}"
    for name, e in expected.items():
        what = names.get(name, f"the parameter {name!r}")
        g = got.get(name)
        if g is None and e is not None:
            raise AssertionError(f"no gradient reaches {what}: it does not influence the output, "
                                 "or the graph is cut on the way")
        assert_tensor(g, e, f"the gradient of {what}")


def same_gradients(names: dict[str, str]):
    """The comparison `assert_gradients(got, expected, names)`, as a check's `compare`."""
    def compare(got, expected, **example) -> None:
        assert_gradients(got, expected, names)
    return compare


def same_outputs(what: str, given: str = "the tensors given to the model"):
    """The comparison of two observations of a call: `output` is the tensor a correct model
    returns (worded as `what`), and the `inputs` handed over (worded as `given`) are unchanged."""
    def compare(got, expected, **example) -> None:
        assert_loaded(got)
        assert isinstance(got, dict), f"{what} could not be observed"
        assert_same(got.get("inputs"), expected["inputs"], f"{given}, after the call", rtol=0, atol=0)
        assert_tensor(got.get("output"), expected["output"], what)
    return compare
