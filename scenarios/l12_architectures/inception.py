"""Checks for `InceptionModule`: shapes, kernels, what each output channel sees, gradients.

Layer names and initialisation are the learner's choice, so nothing is loaded across by
name (see `_shared`). Which input pixels each output channel depends on tells the four
branches apart: one pixel for the 1x1 branch, a 3x3 or 5x5 patch for the next two, and the
position of each input channel's maximum in a 3x3 window for the pooling branch.
"""

from hypothesis import strategies as st

from scenarios._support import check
from scenarios.l12_architectures._shared import (
    assert_gradients_reach,
    assert_independent,
    assert_same_dependence,
    assert_shapes_in_both_modes,
    built,
    comparing,
    dependence,
    images,
    independent,
    kernels,
    pixels,
    seeds,
    shapes_in_both_modes,
    train_gradients,
)

small = st.integers(1, 3)
widths = st.fixed_dictionaries({"c1": small, "c3_reduce": small, "c3": small, "c5_reduce": small,
                                "c5": small, "pool_proj": small})
BRANCHES = ("c1", "c3", "c5", "pool_proj")
BRANCH_NAMES = {"c1": "1x1", "c3": "3x3", "c5": "5x5", "pool_proj": "pooling"}


def _module(module, in_channels, widths, seed):
    return built(module.InceptionModule(in_channels, **widths), seed)


def _call(in_channels, widths, **example) -> str:
    names = ("c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")  # the signature's order
    return "InceptionModule({})".format(", ".join([str(in_channels)] + [f"{k}={widths[k]}" for k in names]))


@check("the Inception module's output does not keep the input's H and W with c1 + c3 + c5 + pool_proj channels",
       given=dict(seed=seeds, batch=st.integers(1, 3), in_channels=st.integers(1, 4), widths=widths,
                  height=pixels, width=pixels),
       examples=[dict(seed=0, batch=2, in_channels=3, height=5, width=8,
                      widths=dict(c1=2, c3_reduce=1, c3=3, c5_reduce=2, c5=1, pool_proj=2)),
                 dict(seed=1, batch=1, in_channels=2, height=7, width=4,
                      widths=dict(c1=2, c3_reduce=2, c3=2, c5_reduce=2, c5=2, pool_proj=2))],
       compare=comparing(assert_shapes_in_both_modes, _call), max_examples=10)
def output_shape(module, seed, batch, in_channels, widths, height, width):
    block = _module(module, in_channels, widths, seed)
    return shapes_in_both_modes(block, images(seed, batch, in_channels, height, width))


def _kernels(got, expected, **example):
    assert got == expected, (
        f"{_call(**example)} has convolution kernels of shapes (out, in, kH, kW) {got}; "
        f"the four branches need {expected}")


@check("the Inception module's branches do not hold the convolutions their widths ask for",
       given=dict(in_channels=st.integers(1, 4), widths=widths),
       examples=[dict(in_channels=4, widths=dict(c1=1, c3_reduce=2, c3=3, c5_reduce=1, c5=2, pool_proj=3))],
       compare=_kernels, max_examples=6)
def branch_kernels(module, in_channels, widths):
    return kernels(module.InceptionModule(in_channels, **widths))


def _labels(widths) -> list[str]:
    labels = []
    for branch in BRANCHES:
        for _ in range(widths[branch]):
            labels.append(f"{len(labels)} (from the {BRANCH_NAMES[branch]} branch)")
    return labels


def _field(got, expected, widths, **example):
    assert_same_dependence(got, expected, _call(widths=widths, **example), _labels(widths))


@check("an output channel of the Inception module is not computed from the input patch its branch covers",
       given=dict(seed=seeds, in_channels=st.integers(1, 3), widths=widths, height=pixels, width=pixels),
       examples=[dict(seed=0, in_channels=2, height=7, width=6,
                      widths=dict(c1=1, c3_reduce=2, c3=2, c5_reduce=1, c5=1, pool_proj=2))],
       compare=_field, max_examples=8)
def branch_fields(module, seed, in_channels, widths, height, width):
    block = _module(module, in_channels, widths, seed)
    channels = list(range(sum(widths[b] for b in BRANCHES)))
    where = [(height // 2, width // 2), (0, width - 1)]  # the centre and a corner
    return dependence(block, images(seed, 1, in_channels, height, width), channels, where)


@check("in eval mode, a sample's output depends on the other samples in its batch",
       given=dict(seed=seeds, in_channels=st.integers(1, 3), widths=widths, batch=st.integers(2, 3),
                  height=pixels, width=pixels),
       compare=comparing(assert_independent, _call), max_examples=5)
def per_sample(module, seed, in_channels, widths, batch, height, width):
    return independent(_module(module, in_channels, widths, seed), images(seed, batch, in_channels, height, width))


@check("training would leave some of the Inception module's weights, or its input, without a gradient",
       given=dict(seed=seeds, in_channels=st.integers(1, 3), widths=widths, height=pixels, width=pixels),
       compare=comparing(assert_gradients_reach, _call), max_examples=5)
def gradients_reach(module, seed, in_channels, widths, height, width):
    block = _module(module, in_channels, widths, seed)
    return train_gradients(block, images(seed, 2, in_channels, height, width), seed)


CHECKS = (output_shape, branch_kernels, branch_fields, per_sample, gradients_reach)
