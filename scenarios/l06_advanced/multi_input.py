"""Checks for `MultiInputModel`: same logits and gradients as the reference, inputs left alone."""

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from bughunt.judge.checking import check
from bughunt.placement import device, plain
from scenarios._support import assert_close, seeds

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


def _models(cand, ref, seed, shape):
    """`(candidate, reference)` holding the same weights: the reference's, loaded by name.

    A correct model may create its layers in any order, so equal seeds need not give equal
    weights; the parameter names and shapes are the documented contract.
    """
    expected = _model(ref, seed, shape)
    got = _model(cand, seed, shape)
    try:
        got.load_state_dict(expected.state_dict())
    except RuntimeError as error:
        raise AssertionError("the model's parameters do not have the names and shapes the "
                             f"docstring lists: {str(error).strip()}") from None
    return got, expected


def _inputs(seed, shape):
    generator = torch.Generator().manual_seed(seed + 1)
    image = torch.randn(shape["batch"], shape["channels"], shape["height"], shape["width"],
                        generator=generator)  # (B, C, H, W)
    tabular = torch.randn(shape["batch"], shape["features"], generator=generator)  # (B, F)
    return image.to(device()), tabular.to(device())


def _same(got, expected, what):
    assert isinstance(got, torch.Tensor), f"{what} should be a tensor, got {type(got).__name__}"
    assert got.shape == expected.shape, \
        f"{what} have shape {tuple(got.shape)}, a correct model gives {tuple(expected.shape)}"
    assert_close(plain(got), plain(expected), rtol=1e-4, atol=1e-5,
                               msg=lambda m: f"{what} differ from a correct model's: {m}")


@check("the model's logits are not what a correct two-input model gives, or have the wrong shape")
@given(seed=seeds, shape=shapes)
@example(seed=0, shape={"batch": 1, "channels": 3, "height": 5, "width": 3, "features": 2, "classes": 3})
@example(seed=1, shape={"batch": 3, "channels": 1, "height": 2, "width": 6, "features": 4, "classes": 2})
def same_logits(cand, ref, seed, shape):
    image, tabular = _inputs(seed, shape)
    got_model, expected_model = _models(cand, ref, seed, shape)
    with torch.no_grad():
        got = got_model(image.clone(), tabular.clone())
        expected = expected_model(image, tabular)
    _same(got, expected, "the logits")


@check("training the model would move its weights differently from a correct two-input model")
@given(seed=seeds, shape=shapes)
@example(seed=2, shape={"batch": 2, "channels": 2, "height": 3, "width": 7, "features": 3, "classes": 4})
def same_gradients(cand, ref, seed, shape):
    image, tabular = _inputs(seed, shape)
    grads = []
    for model in _models(cand, ref, seed, shape):
        inputs = (image.clone().requires_grad_(), tabular.clone().requires_grad_())
        logits = model(*inputs)  # (B, classes)
        weights = torch.linspace(-1.0, 1.0, logits.numel(), device=logits.device)
        (logits.flatten() * weights).sum().backward()  # every logit counts, each differently
        named = {name: p.grad for name, p in model.named_parameters()}
        grads.append({**named, "image": inputs[0].grad, "tabular": inputs[1].grad})
    got, expected = grads  # the same names: the weights loaded across by name
    for name, e in expected.items():
        g = got.get(name)
        assert g is not None, f"no gradient reaches {name!r}: it does not influence the logits"
        _same(g, e, f"the gradients of {name!r}")


@check("calling the model changes the image or tabular tensors it was given")
@given(seed=seeds, shape=shapes)
def inputs_untouched(cand, ref, seed, shape):
    image, tabular = _inputs(seed, shape)
    image_before, tabular_before = image.clone(), tabular.clone()
    with torch.no_grad():
        _model(cand, seed, shape)(image, tabular)
    assert_close(image, image_before, rtol=0, atol=0,
                               msg=lambda m: f"the image passed in was modified: {m}")
    assert_close(tabular, tabular_before, rtol=0, atol=0,
                               msg=lambda m: f"the tabular features passed in were modified: {m}")


CHECKS = (same_logits, same_gradients, inputs_untouched)
