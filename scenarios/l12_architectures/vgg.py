"""Checks for `VGGBlock` and `SimpleCNN`: shapes, kernels, gradients, per-sample independence.

Layer names and initialisation are the learner's choice, so nothing is loaded across by
name (see `_shared`). SimpleCNN's outputs are logits: not probabilities (rows of values in
[0, 1] that sum to 1), which is what a softmax at the end would make them.
"""

import torch
from hypothesis import strategies as st

from scenarios._support import check
from scenarios.l12_architectures._shared import (
    assert_gradients_reach,
    assert_independent,
    assert_shapes_in_both_modes,
    built,
    comparing,
    images,
    independent,
    kernels,
    outputs,
    pixels,
    seeds,
    shapes_in_both_modes,
    train_gradients,
    widths,
)

convs = st.integers(1, 3)


def _block(module, in_channels, out_channels, num_convs, seed):
    return built(module.VGGBlock(in_channels, out_channels, num_convs), seed)


def _block_call(in_channels, out_channels, num_convs, **example) -> str:
    return f"VGGBlock({in_channels}, {out_channels}, num_convs={num_convs})"


@check("a VGG block does not halve the height and width of its input, or gives the wrong number of channels",
       given=dict(seed=seeds, batch=st.integers(1, 3), in_channels=widths, out_channels=widths,
                  num_convs=convs, height=pixels, width=pixels),
       examples=[dict(seed=0, batch=2, in_channels=3, out_channels=5, num_convs=2, height=7, width=4),
                 dict(seed=1, batch=1, in_channels=2, out_channels=2, num_convs=1, height=4, width=9)],
       compare=comparing(assert_shapes_in_both_modes, _block_call), max_examples=10)
def block_shapes(module, seed, batch, in_channels, out_channels, num_convs, height, width):
    block = _block(module, in_channels, out_channels, num_convs, seed)
    return shapes_in_both_modes(block, images(seed, batch, in_channels, height, width))


def _kernels(got, expected, **example):
    assert got == expected, (
        f"{_block_call(**example)} has convolution kernels of shapes (out, in, kH, kW) {got}; "
        f"a VGG block of {example['num_convs']} 3x3 convolutions has {expected}")


@check("a VGG block does not hold the number and size of convolutions it was asked for",
       given=dict(in_channels=widths, out_channels=widths, num_convs=st.integers(1, 4)),
       examples=[dict(in_channels=3, out_channels=5, num_convs=3)],
       compare=_kernels, max_examples=6)
def block_kernels(module, in_channels, out_channels, num_convs):
    return kernels(module.VGGBlock(in_channels, out_channels, num_convs))


def _model(module, in_channels, num_classes, seed):
    return built(module.SimpleCNN(in_channels, num_classes), seed)


def _model_call(in_channels, num_classes, **example) -> str:
    return f"SimpleCNN({in_channels}, {num_classes})"


@check("SimpleCNN does not return one row of num_classes logits per image, for every image size",
       given=dict(seed=seeds, batch=st.integers(1, 3), in_channels=st.integers(1, 3),
                  num_classes=st.integers(2, 5), height=pixels, width=pixels),
       examples=[dict(seed=0, batch=1, in_channels=3, num_classes=4, height=9, width=5),
                 dict(seed=1, batch=3, in_channels=1, num_classes=2, height=4, width=7)],
       compare=comparing(assert_shapes_in_both_modes, _model_call), max_examples=10)
def logits_shape(module, seed, batch, in_channels, num_classes, height, width):
    model = _model(module, in_channels, num_classes, seed)
    return shapes_in_both_modes(model, images(seed, batch, in_channels, height, width))


def _are_logits(got, expected, **example):
    call = _model_call(**example)
    assert isinstance(got, dict) and set(got) == set(expected), f"{call} could not be called in both modes"
    for mode, value in got.items():
        assert isinstance(value, torch.Tensor) and value.shape == expected[mode].shape, \
            f"in {mode} mode, {call} does not return (B, num_classes) logits"
        assert bool(torch.isfinite(value).all()), f"in {mode} mode, {call} returns NaN or infinite values"
        value = value.double()
        probabilities = bool(((value >= 0) & (value <= 1)).all()) and \
            bool(((value.sum(dim=1) - 1).abs() <= 1e-4).all())
        assert not probabilities, (
            f"in {mode} mode, every row {call} returns is in [0, 1] and sums to 1: probabilities "
            "(a softmax), where the model should return logits (CrossEntropyLoss applies the softmax)")


@check("SimpleCNN returns probabilities (a softmax) instead of logits",
       given=dict(seed=seeds, batch=st.integers(2, 4), in_channels=st.integers(1, 3),
                  num_classes=st.integers(2, 5), height=pixels, width=pixels),
       examples=[dict(seed=2, batch=4, in_channels=3, num_classes=4, height=6, width=5)],
       compare=_are_logits, max_examples=3, priority=30)
def returns_logits(module, seed, batch, in_channels, num_classes, height, width):
    model = _model(module, in_channels, num_classes, seed)
    return outputs(model, images(seed, batch, in_channels, height, width))


def _what(kind, in_channels, **example) -> str:
    if kind == "block":
        return _block_call(in_channels, 3, 2)
    return _model_call(in_channels, 3)


def _build(module, kind, in_channels, seed):
    if kind == "block":
        return _block(module, in_channels, 3, 2, seed)
    return _model(module, in_channels, 3, seed)


@check("a sample's output depends on the other samples in its batch",
       given=dict(seed=seeds, kind=st.sampled_from(["block", "model"]), in_channels=st.integers(1, 3),
                  batch=st.integers(2, 4), height=pixels, width=pixels),
       examples=[dict(seed=0, kind="model", in_channels=2, batch=3, height=5, width=8)],
       compare=comparing(assert_independent, _what), max_examples=6)
def per_sample(module, seed, kind, in_channels, batch, height, width):
    model = _build(module, kind, in_channels, seed)
    return independent(model, images(seed, batch, in_channels, height, width))


@check("training would leave some of the weights, or the input, without a gradient",
       given=dict(seed=seeds, kind=st.sampled_from(["block", "model"]), in_channels=st.integers(1, 3),
                  height=pixels, width=pixels),
       examples=[dict(seed=0, kind="model", in_channels=3, height=6, width=9)],
       compare=comparing(assert_gradients_reach, _what), max_examples=6)
def gradients_reach(module, seed, kind, in_channels, height, width):
    model = _build(module, kind, in_channels, seed)
    return train_gradients(model, images(seed, 2, in_channels, height, width), seed)


CHECKS = (block_shapes, logits_shape, returns_logits, block_kernels, per_sample, gradients_reach)
