"""Checks for `MultiInputModel`: same logits and gradients as the reference, inputs left alone."""

import math

import torch
from hypothesis import strategies as st

from bughunt.placement import device, plain
from scenarios._support import assert_close, check, seeds

# Small shapes: H and W drawn apart so that a non-square image is the usual case.
shapes = st.fixed_dictionaries({
    "batch": st.integers(1, 3),
    "channels": st.integers(1, 3),
    "height": st.integers(2, 7),
    "width": st.integers(2, 7),
    "features": st.integers(1, 4),
    "classes": st.integers(2, 4),
})


def _model(module, seed, shape):
    torch.manual_seed(seed)
    model = module.MultiInputModel(shape["channels"], shape["features"], shape["classes"])
    return model.to(device())


def _loaded_model(module, seed, shape):
    """`(model, its state's names and shapes)`, every weight drawn from `seed` by name.

    A correct model may create its layers in any order, so equal seeds need not give equal
    weights; the parameter names and shapes are the documented contract. Weights are drawn
    in the order of their sorted names, so two models with the same names and shapes hold
    the same weights, as if one's state_dict had been loaded into the other.
    """
    model = _model(module, seed, shape)
    state = model.state_dict()
    generator = torch.Generator().manual_seed(seed + 2)
    with torch.no_grad():
        for name in sorted(state):
            tensor = state[name]
            if tensor.is_floating_point():
                # Kaiming-uniform-like bounds, as PyTorch initialises: outputs of a sane size.
                bound = 1 / math.sqrt(math.prod(tensor.shape[1:])) if tensor.dim() > 1 else 0.3
                drawn = (torch.rand(tensor.shape, generator=generator) * 2 - 1) * bound
                tensor.copy_(drawn.to(tensor.device, tensor.dtype))
    return model, {name: tuple(t.shape) for name, t in sorted(state.items())}


def _inputs(seed, shape):
    generator = torch.Generator().manual_seed(seed + 1)
    image = torch.randn(shape["batch"], shape["channels"], shape["height"], shape["width"],
                        generator=generator)  # (B, C, H, W)
    tabular = torch.randn(shape["batch"], shape["features"], generator=generator)  # (B, F)
    return image.to(device()), tabular.to(device())


def _observed(value):
    """A tensor as plain CPU data, None as None; anything else by its type's name."""
    if value is None:
        return None
    return plain(value) if isinstance(value, torch.Tensor) else f"a {type(value).__name__}"


def _same(got, expected, what):
    assert isinstance(got, torch.Tensor), \
        f"{what} should be a tensor, got {got if isinstance(got, str) else type(got).__name__}"
    assert got.shape == expected.shape, \
        f"{what} have shape {tuple(got.shape)}, a correct model gives {tuple(expected.shape)}"
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 msg=lambda m: f"{what} differ from a correct model's: {m}")


def _same_state(got, expected):
    """The same parameter names and shapes: otherwise the weights could not be loaded across."""
    assert isinstance(got, dict) and isinstance(got.get("state"), dict), "the model could not be inspected"
    state, wanted = got["state"], expected["state"]
    missing = sorted(set(wanted) - set(state))
    unexpected = sorted(set(state) - set(wanted))
    wrong = sorted(n for n in set(wanted) & set(state) if tuple(state[n]) != tuple(wanted[n]))
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + \
        ([f"unexpected {', '.join(unexpected)}"] if unexpected else []) + \
        [f"{n} has shape {tuple(state[n])}, expected {tuple(wanted[n])}" for n in wrong]
    assert not problems, "the model's parameters do not have the names and shapes the docstring " \
                         f"lists: {'; '.join(problems)}"


def _same_logits(got, expected, seed, shape):
    _same_state(got, expected)
    _same(got.get("logits"), expected["logits"], "the logits")


@check("the model's logits are not what a correct two-input model gives, or have the wrong shape",
       given=dict(seed=seeds, shape=shapes),
       examples=[dict(seed=0, shape=dict(batch=1, channels=3, height=5, width=3, features=2, classes=3)),
                 dict(seed=1, shape=dict(batch=3, channels=1, height=2, width=6, features=4, classes=2))],
       compare=_same_logits)
def same_logits(module, seed, shape):
    model, state = _loaded_model(module, seed, shape)
    image, tabular = _inputs(seed, shape)
    with torch.no_grad():
        logits = model(image, tabular)
    return {"state": state, "logits": _observed(logits)}


def _same_gradients(got, expected, seed, shape):
    _same_state(got, expected)
    grads = got.get("grads")
    assert isinstance(grads, dict), "the gradients could not be read"
    for name, e in expected["grads"].items():
        g = grads.get(name)
        assert g is not None, f"no gradient reaches {name!r}: it does not influence the logits"
        _same(g, e, f"the gradients of {name!r}")


@check("training the model would move its weights differently from a correct two-input model",
       given=dict(seed=seeds, shape=shapes),
       examples=[dict(seed=2, shape=dict(batch=2, channels=2, height=3, width=7, features=3, classes=4))],
       compare=_same_gradients)
def same_gradients(module, seed, shape):
    model, state = _loaded_model(module, seed, shape)
    image, tabular = _inputs(seed, shape)
    inputs = (image.requires_grad_(), tabular.requires_grad_())
    logits = model(*inputs)  # (B, classes)
    weights = torch.linspace(-1.0, 1.0, logits.numel(), device=logits.device)
    (logits.flatten() * weights).sum().backward()  # every logit counts, each differently
    named = {name: _observed(p.grad) for name, p in sorted(model.named_parameters())}
    return {"state": state,
            "grads": {**named, "image": _observed(inputs[0].grad), "tabular": _observed(inputs[1].grad)}}


def _untouched(got, expected, seed, shape):
    assert isinstance(got, dict), "the inputs could not be inspected"
    assert_close(got.get("image"), expected["image"], rtol=0, atol=0,
                 msg=lambda m: f"the image passed in was modified: {m}")
    assert_close(got.get("tabular"), expected["tabular"], rtol=0, atol=0,
                 msg=lambda m: f"the tabular features passed in were modified: {m}")


@check("calling the model changes the image or tabular tensors it was given",
       given=dict(seed=seeds, shape=shapes), compare=_untouched)
def inputs_untouched(module, seed, shape):
    model = _model(module, seed, shape)
    image, tabular = _inputs(seed, shape)
    with torch.no_grad():
        model(image, tabular)
    return {"image": plain(image), "tabular": plain(tabular)}  # as they are after the call


CHECKS = (same_logits, same_gradients, inputs_untouched)
