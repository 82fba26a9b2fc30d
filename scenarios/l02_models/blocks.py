"""Checks for `ConcatBlock` and `ConditionalMLP`: the reference's outputs and gradients with
the same weights, inputs left alone, and a condition that conditions its own sample only."""

import torch
from hypothesis import strategies as st

from bughunt.placement import plain
from scenarios._pictures import tensor_heat
from scenarios._support import assert_finite, check, seeds
from scenarios.l02_models._shared import (
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

concat_shapes = st.fixed_dictionaries({"batch": batches, "a": sizes, "b": sizes, "out": sizes})
mlp_shapes = st.fixed_dictionaries({"batch": batches, "x": sizes, "cond": sizes,
                                    "hidden": st.integers(2, 6), "out": sizes})

# Every size different from the others (nothing lines up by accident), and a batch of one.
CONCAT_EXAMPLES = [dict(seed=0, shape={"batch": 3, "a": 2, "b": 4, "out": 5}),
                   dict(seed=1, shape={"batch": 1, "a": 3, "b": 1, "out": 2})]
MLP_EXAMPLES = [dict(seed=0, shape={"batch": 3, "x": 2, "cond": 4, "hidden": 5, "out": 3}),
                dict(seed=1, shape={"batch": 1, "x": 4, "cond": 2, "hidden": 3, "out": 5})]


def _concat_block(module, seed, shape):
    model = module.ConcatBlock(shape["a"], shape["b"], shape["out"])
    weights = state(seed, linear("linear.", shape["a"] + shape["b"], shape["out"]))
    return model, weights, load(model, weights)


def _conditional_mlp(module, seed, shape):
    model = module.ConditionalMLP(shape["x"], shape["cond"], shape["hidden"], shape["out"])
    weights = state(seed, {**linear("net.0.", shape["x"] + shape["cond"], shape["hidden"]),
                           **linear("net.2.", shape["hidden"], shape["out"])})
    return model, weights, load(model, weights)


def _outputs(model, **given):
    """The output, and the tensors handed over as they are after the call."""
    with torch.no_grad():
        output = model(*given.values())
    return {"output": tensor(output), "inputs": {name: plain(value) for name, value in given.items()}}


@check("the block's output is not what a correct ConcatBlock gives with the same weights, "
       "or has the wrong shape",
       given=dict(seed=seeds, shape=concat_shapes), examples=CONCAT_EXAMPLES,
       compare=same_outputs("the block's output"), draw=tensor_heat("output", "the block's output"))
def concat_outputs(module, seed, shape):
    model, _, error = _concat_block(module, seed, shape)
    if error:
        return error
    given = inputs(seed, a=(shape["batch"], shape["a"]), b=(shape["batch"], shape["b"]))
    return _outputs(model, **given)


@check("training a ConcatBlock would move its weights, or the inputs' producers, "
       "differently from a correct block",
       given=dict(seed=seeds, shape=concat_shapes), examples=CONCAT_EXAMPLES[:1],
       compare=same_gradients({"a": "the first input `a`", "b": "the second input `b`"}))
def concat_gradients(module, seed, shape):
    model, weights, error = _concat_block(module, seed, shape)
    if error:
        return error
    given = inputs(seed, a=(shape["batch"], shape["a"]), b=(shape["batch"], shape["b"]))
    return gradients(model, weights, lambda a, b: model(a, b), **given)


@check("the conditional MLP's output is not what a correct one gives with the same weights, "
       "or has the wrong shape",
       given=dict(seed=seeds, shape=mlp_shapes), examples=MLP_EXAMPLES,
       compare=same_outputs("the MLP's output"), draw=tensor_heat("output", "the MLP's output"))
def conditional_outputs(module, seed, shape):
    model, _, error = _conditional_mlp(module, seed, shape)
    if error:
        return error
    given = inputs(seed, x=(shape["batch"], shape["x"]), cond=(shape["batch"], shape["cond"]))
    return _outputs(model, **given)


@check("training a ConditionalMLP would not move its weights, or train whatever produced the "
       "condition, the way a correct one does",
       given=dict(seed=seeds, shape=mlp_shapes), examples=MLP_EXAMPLES,
       compare=same_gradients({"x": "the input `x`", "cond": "the condition `cond`"}))
def conditional_gradients(module, seed, shape):
    model, weights, error = _conditional_mlp(module, seed, shape)
    if error:
        return error
    given = inputs(seed, x=(shape["batch"], shape["x"]), cond=(shape["batch"], shape["cond"]))
    return gradients(model, weights, lambda x, cond: model(x, cond), **given)


def _conditions_its_sample(got, expected, pick, **example):
    assert_loaded(got)
    assert isinstance(got, dict) and set(got) == {"before", "after"}, "the outputs could not be observed"
    for key in ("before", "after"):
        value = got[key]
        assert isinstance(value, torch.Tensor), f"the MLP returned {value}, not a tensor"
        assert value.shape == expected[key].shape, \
            f"the MLP's output has shape {tuple(value.shape)}, " \
            f"a correct model gives {tuple(expected[key].shape)}"
    assert_finite(got, "the MLP's output")
    batch = expected["before"].shape[0]
    changed = (got["after"] - got["before"]).abs().amax(dim=1) > 1e-6  # (B,)
    k = pick % batch
    others = [i for i in range(batch) if i != k]
    assert not changed[others].any(), \
        f"changing the condition of sample {k} alone changes the output of other samples"
    should = bool((expected["after"][k] - expected["before"][k]).abs().amax() > 1e-4)
    assert changed[k] or not should, \
        f"changing the condition of sample {k} does not change its output: the condition is ignored"
    for key in ("before", "after"):
        assert_tensor(got[key], expected[key], "the MLP's output")


@check("changing one sample's condition does not change that sample's output, "
       "or changes the outputs of other samples",
       given=dict(seed=seeds, shape=mlp_shapes, pick=st.integers(0, 3)),
       examples=[dict(seed=2, shape={"batch": 4, "x": 3, "cond": 2, "hidden": 6, "out": 2}, pick=1),
                 dict(seed=3, shape={"batch": 1, "x": 2, "cond": 3, "hidden": 4, "out": 1}, pick=0)],
       compare=_conditions_its_sample)
def condition_per_sample(module, seed, shape, pick):
    model, _, error = _conditional_mlp(module, seed, shape)
    if error:
        return error
    given = inputs(seed, x=(shape["batch"], shape["x"]), cond=(shape["batch"], shape["cond"]))
    other = given["cond"].clone()
    other[pick % shape["batch"]] += 2.0  # a clearly different condition for one sample
    with torch.no_grad():
        before = model(given["x"], given["cond"])
        after = model(given["x"], other)
    return {"before": tensor(before), "after": tensor(after)}


CHECKS = (concat_outputs, concat_gradients, conditional_outputs, conditional_gradients,
          condition_per_sample)
