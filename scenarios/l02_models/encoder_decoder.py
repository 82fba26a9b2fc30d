"""Checks for `Encoder`, `Decoder` and `FullModel`: the reference's outputs and gradients with
the same weights, real-valued codes and outputs, and a full model that is decoder(encoder(x))."""

import torch
from hypothesis import strategies as st

from bughunt.placement import plain
from scenarios._pictures import tensor_heat
from scenarios._support import assert_close, check, seeds
from scenarios.l02_models._shared import (
    TOLERANCE,
    assert_loaded,
    assert_tensor,
    batches,
    gradients,
    inputs,
    linear,
    load,
    same_gradients,
    same_outputs,
    sizes,
    state,
    tensor,
)

shapes = st.fixed_dictionaries({"batch": batches, "in": sizes, "hidden": st.integers(2, 6),
                                "latent": sizes})

# Every size different from the others (nothing lines up by accident), and a batch of one.
EXAMPLES = [dict(seed=0, shape={"batch": 3, "in": 5, "hidden": 4, "latent": 2}),
            dict(seed=1, shape={"batch": 1, "in": 2, "hidden": 6, "latent": 3})]
ONE_INPUT = "the tensor given to the model"  # an encoder or a decoder takes one


def _mlp(prefix, fan_in, hidden, fan_out):
    """The parameter shapes of `net = Sequential(Linear(fan_in, hidden), ReLU, Linear(hidden, fan_out))`."""
    return {**linear(f"{prefix}net.0.", fan_in, hidden), **linear(f"{prefix}net.2.", hidden, fan_out)}


def _full_model(module, seed, shape):
    model = module.FullModel(shape["in"], shape["hidden"], shape["latent"])
    weights = state(seed, {**_mlp("encoder.", shape["in"], shape["hidden"], shape["latent"]),
                           **_mlp("decoder.", shape["latent"], shape["hidden"], shape["in"])})
    return model, weights, load(model, weights)


def _half(model, seed, shape, fan_in, fan_out):
    """Observe an encoder or a decoder alone, with the reference's weights."""
    error = load(model, state(seed, _mlp("", shape[fan_in], shape["hidden"], shape[fan_out])))
    if error:
        return error
    x = inputs(seed, x=(shape["batch"], shape[fan_in]))["x"]
    with torch.no_grad():
        output = model(x)
    return {"output": tensor(output), "inputs": [plain(x)]}


@check("the encoder's codes are not what a correct encoder gives with the same weights "
       "(wrong values, a range too narrow, or the wrong shape)",
       given=dict(seed=seeds, shape=shapes), examples=EXAMPLES, compare=same_outputs("the code", ONE_INPUT),
       draw=tensor_heat("output", "the codes", "latent feature"))
def encoder_outputs(module, seed, shape):
    model = module.Encoder(shape["in"], shape["hidden"], shape["latent"])
    return _half(model, seed, shape, "in", "latent")


@check("the decoder's outputs are not what a correct decoder gives with the same weights "
       "(wrong values, a range too narrow, or the wrong shape)",
       given=dict(seed=seeds, shape=shapes), examples=EXAMPLES,
       compare=same_outputs("the decoder's output", ONE_INPUT),
       draw=tensor_heat("output", "the decoder's output"))
def decoder_outputs(module, seed, shape):
    model = module.Decoder(shape["latent"], shape["hidden"], shape["in"])
    return _half(model, seed, shape, "latent", "in")


def _routes(got, expected, **example):
    assert_loaded(got)
    assert isinstance(got, dict) and set(got) == set(expected), "the model's parts could not be observed"
    assert_tensor(got["code"], expected["code"], "model.encoder's code")
    assert_tensor(got["decoded"], expected["decoded"], "model.decoder's output for that code")
    output = got["output"]
    assert isinstance(output, torch.Tensor) and output.shape == got["decoded"].shape, \
        "the model's output does not have the shape of model.decoder's output"
    assert_close(output, got["decoded"], **TOLERANCE,
                 msg=lambda m: f"the model's output is not model.decoder(model.encoder(x)): {m}")
    assert_tensor(output, expected["output"], "the model's output")


@check("the full model's output is not model.decoder(model.encoder(x)), or its parts are not "
       "a correct encoder and decoder",
       given=dict(seed=seeds, shape=shapes), examples=EXAMPLES, compare=_routes)
def full_model_routes(module, seed, shape):
    model, _, error = _full_model(module, seed, shape)
    if error:
        return error
    x = inputs(seed, x=(shape["batch"], shape["in"]))["x"]
    with torch.no_grad():
        code = model.encoder(x)
        decoded = model.decoder(code)
        output = model(x)
    return {"code": tensor(code), "decoded": tensor(decoded), "output": tensor(output)}


@check("training the full model would move the encoder's or the decoder's weights differently "
       "from a correct model",
       given=dict(seed=seeds, shape=shapes), examples=EXAMPLES,
       compare=same_gradients({"x": "the input `x`"}))
def full_model_gradients(module, seed, shape):
    model, weights, error = _full_model(module, seed, shape)
    if error:
        return error
    given = inputs(seed, x=(shape["batch"], shape["in"]))
    return gradients(model, weights, lambda x: model(x), **given)


CHECKS = (encoder_outputs, decoder_outputs, full_model_routes, full_model_gradients)
