"""Checks for the ResNet pieces: ResidualBlock, Bottleneck, make_layer and SmallResNet.

Layer names and initialisation are the learner's choice, so nothing is loaded across by
name (see `_shared`): the checks observe shapes, the identity a block becomes with zero
weights, outputs that are never negative (the last ReLU comes after the addition), which
input pixels feed each output pixel, gradients, per-sample independence,
how make_layer calls the block class it is given, and the sizes SmallResNet's blocks see.
"""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt import series
from scenarios._support import assert_close, check
from scenarios.l12_architectures._shared import (
    assert_gradients_reach,
    assert_independent,
    assert_same_dependence,
    assert_shapes_in_both_modes,
    built,
    comparing,
    dependence,
    described,
    images,
    independent,
    outputs,
    pixels,
    seeds,
    shape_text,
    shapes_in_both_modes,
    train_gradients,
    widths,
    zeroed,
)

KINDS = ("basic", "bottleneck")
kinds = st.sampled_from(KINDS)
strides = st.sampled_from([1, 2])


def _block(module, kind: str, channels: int, out: int | None, stride: int, seed: int) -> nn.Module:
    """`ResidualBlock(channels, out, stride)` or `Bottleneck(channels, out, stride)`.

    For the basic block `out=None` uses the one-argument form `ResidualBlock(channels)`.
    """
    if kind == "bottleneck":
        return built(module.Bottleneck(channels, out or channels, stride=stride), seed)
    if out is None:
        return built(module.ResidualBlock(channels), seed)
    return built(module.ResidualBlock(channels, out, stride=stride), seed)


def _call(kind, channels, out, stride, **example) -> str:
    if kind == "bottleneck":
        return f"Bottleneck({channels}, {out or channels}, stride={stride})"
    if out is None:
        return f"ResidualBlock({channels})"
    return f"ResidualBlock({channels}, {out}, stride={stride})"


def _resnet_call(channels, **example) -> str:
    return f"SmallResNet(3, in_channels={channels})"


@check("a residual block returns the wrong shape, or fails, when it changes the resolution or the number of channels",
       given=dict(seed=seeds, kind=kinds, channels=widths, out=st.none() | widths, stride=strides,
                  height=pixels, width=pixels),
       examples=[dict(seed=0, kind="basic", channels=3, out=3, stride=2, height=5, width=8),
                 dict(seed=1, kind="basic", channels=2, out=5, stride=1, height=4, width=6),
                 dict(seed=2, kind="bottleneck", channels=8, out=2, stride=2, height=7, width=4),
                 dict(seed=3, kind="bottleneck", channels=3, out=2, stride=1, height=5, width=5),
                 dict(seed=4, kind="basic", channels=4, out=None, stride=1, height=6, width=9)],
       compare=comparing(assert_shapes_in_both_modes, _call), max_examples=8)
def block_shapes(module, seed, kind, channels, out, stride, height, width):
    block = _block(module, kind, channels, out, stride, seed)
    return shapes_in_both_modes(block, images(seed, 2, channels, height, width))


def _identity(got, expected, kind, channels, train, **example):
    call = _call(kind, 4 * channels, channels, 1) if kind == "bottleneck" else _call(kind, channels, channels, 1)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, msg=lambda m: (
        f"with every weight of {call} set to zero, in {'train' if train else 'eval'} mode, the "
        f"block does not return its non-negative input unchanged: {m}"))


@check("with its weights at zero, a residual block that keeps the shape does not pass its input through",
       given=dict(seed=seeds, kind=kinds, channels=st.integers(1, 3), train=st.booleans(),
                  height=pixels, width=pixels),
       examples=[dict(seed=0, kind="basic", channels=3, train=True, height=4, width=7),
                 dict(seed=1, kind="bottleneck", channels=2, train=False, height=6, width=5)],
       compare=_identity, max_examples=8)
def identity_path(module, seed, kind, channels, train, height, width):
    channels = 4 * channels if kind == "bottleneck" else channels  # in == 4 * mid: no projection
    mid = channels // 4 if kind == "bottleneck" else channels
    block = zeroed(_block(module, kind, channels, mid, 1, seed)).train(train)
    x = images(seed, 2, channels, height, width).abs()  # (B, C, H, W), x >= 0
    with torch.no_grad():
        return block(x)


def _non_negative(got, expected, kind, channels, out, stride, **example):
    call = _call(kind, channels, out, stride)
    assert isinstance(got, dict) and set(got) == set(expected), f"{call} could not be called in both modes"
    for mode, value in got.items():
        assert isinstance(value, torch.Tensor) and value.shape == expected[mode].shape, (
            f"in {mode} mode, {call} returns "
            f"{shape_text(described(value) if isinstance(value, torch.Tensor) else value)}")
        assert bool(torch.isfinite(value).all()), f"in {mode} mode, {call} returns NaN or infinite values"
        negative = int((value < 0).sum())
        assert negative == 0, (
            f"in {mode} mode, {negative} of {value.numel()} outputs of {call} are negative (down to "
            f"{float(value.min()):.3g}); the block returns ReLU(branch(x) + shortcut(x)), never negative")


@check("a residual block returns negative values: its last ReLU does not come after the addition",
       given=dict(seed=seeds, kind=kinds, channels=widths, out=st.none() | widths, stride=strides,
                  height=pixels, width=pixels),
       examples=[dict(seed=5, kind="basic", channels=3, out=None, stride=1, height=5, width=6),
                 dict(seed=6, kind="bottleneck", channels=8, out=2, stride=1, height=4, width=5),
                 dict(seed=7, kind="basic", channels=2, out=4, stride=2, height=6, width=4)],
       compare=_non_negative, max_examples=6, priority=30)
def outputs_non_negative(module, seed, kind, channels, out, stride, height, width):
    block = _block(module, kind, channels, out, stride, seed)
    return outputs(block, images(seed, 2, channels, height, width))


@check("each output pixel of a residual block is computed from the wrong patch of input pixels",
       given=dict(seed=seeds, kind=kinds, channels=st.integers(1, 4), out=st.integers(1, 4),
                  stride=strides, height=pixels, width=pixels),
       examples=[dict(seed=0, kind="basic", channels=2, out=3, stride=2, height=7, width=8),
                 dict(seed=1, kind="bottleneck", channels=4, out=1, stride=2, height=8, width=7),
                 dict(seed=2, kind="basic", channels=2, out=2, stride=1, height=5, width=6)],
       compare=comparing(assert_same_dependence, _call), max_examples=8)
def receptive_field(module, seed, kind, channels, out, stride, height, width):
    block = _block(module, kind, channels, out, stride, seed)
    return dependence(block, images(seed, 1, channels, height, width))


@check("training would leave some of a residual block's weights, or its input, without a gradient",
       given=dict(seed=seeds, kind=kinds, channels=widths, out=widths, stride=strides,
                  height=pixels, width=pixels),
       examples=[dict(seed=0, kind="basic", channels=2, out=4, stride=2, height=5, width=6),
                 dict(seed=1, kind="bottleneck", channels=3, out=2, stride=1, height=4, width=5)],
       compare=comparing(assert_gradients_reach, _call), max_examples=6)
def gradients_reach(module, seed, kind, channels, out, stride, height, width):
    block = _block(module, kind, channels, out, stride, seed)
    return train_gradients(block, images(seed, 2, channels, height, width), seed)


class _Probe(nn.Module):
    """A stand-in block that records how make_layer builds and runs it."""

    expansion = 1
    log: list = []

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.number = sum(1 for entry in self.log if entry[0] == "built")
        self.log.append(["built", in_channels, out_channels, stride])
        self.scale = nn.Parameter(torch.tensor(float(self.number + 2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.log.append(["ran", self.number])
        return x * self.scale + self.number  # which blocks ran, in which order, shows in the output


def _stage(got, expected, in_channels, out_channels, num_blocks, stride, expansion, **example):
    call = f"make_layer(block, {in_channels}, {out_channels}, {num_blocks}, stride={stride})"
    assert isinstance(got, dict), f"{call} could not be built and run"
    assert got.get("sequential") is True, f"{call} does not return an nn.Sequential"
    built_got = [e[1:] for e in got.get("log", []) if isinstance(e, list) and e[:1] == ["built"]]
    built_want = [e[1:] for e in expected["log"] if e[0] == "built"]
    assert built_got == built_want, (
        f"with a block class whose expansion is {expansion}, {call} builds blocks with "
        f"(in_channels, out_channels, stride) = {[tuple(b) for b in built_got]}; a ResNet stage "
        f"needs {[tuple(b) for b in built_want]}")
    assert got.get("log") == expected["log"], \
        f"the stage returned by {call} does not run each of its blocks once, in order"
    assert_close(got.get("output"), expected["output"], rtol=1e-6, atol=1e-6,
                 msg=lambda m: f"the stage returned by {call} does not feed each block's output to the next: {m}")


@check("make_layer does not build a stage's blocks with the channels and strides a stage needs, or does not chain them",
       given=dict(in_channels=widths, out_channels=widths, num_blocks=st.integers(1, 4),
                  stride=strides, expansion=st.sampled_from([1, 2, 4])),
       examples=[dict(in_channels=3, out_channels=2, num_blocks=3, stride=2, expansion=4),
                 dict(in_channels=4, out_channels=4, num_blocks=1, stride=1, expansion=1),
                 dict(in_channels=2, out_channels=5, num_blocks=2, stride=1, expansion=1)],
       compare=_stage)
def stage_blocks(module, in_channels, out_channels, num_blocks, stride, expansion):
    block = type("Block", (_Probe,), {"expansion": expansion, "log": []})
    layer = module.make_layer(block, in_channels, out_channels, num_blocks, stride)
    x = torch.linspace(-1.0, 1.0, 6).reshape(1, 1, 2, 3).to(next(layer.parameters()).device)
    with torch.no_grad():
        output = layer(x)
    return {"sequential": isinstance(layer, nn.Sequential), "log": block.log, "output": output}


def _real_stage(got, expected, kind, in_channels, out_channels, num_blocks, stride, **example):
    block = "Bottleneck" if kind == "bottleneck" else "ResidualBlock"
    call = f"make_layer({block}, {in_channels}, {out_channels}, {num_blocks}, stride={stride})"
    assert isinstance(got, dict) and got.get("blocks") == expected["blocks"], (
        f"{call} holds {got.get('blocks') if isinstance(got, dict) else '?'} {block}s; "
        f"it should hold {expected['blocks']}")
    assert_shapes_in_both_modes(got.get("shapes"), expected["shapes"], f"the stage {call}")


@check("a stage of real blocks built by make_layer has the wrong number of blocks or the wrong output shape",
       given=dict(seed=seeds, kind=kinds, in_channels=widths, out_channels=st.integers(1, 3),
                  num_blocks=st.integers(1, 3), stride=strides, height=pixels, width=pixels),
       examples=[dict(seed=0, kind="bottleneck", in_channels=3, out_channels=2, num_blocks=3, stride=2,
                      height=5, width=8)],
       compare=_real_stage, max_examples=5)
def stage_of_blocks(module, seed, kind, in_channels, out_channels, num_blocks, stride, height, width):
    block = module.Bottleneck if kind == "bottleneck" else module.ResidualBlock
    layer = built(module.make_layer(block, in_channels, out_channels, num_blocks, stride), seed)
    count = sum(isinstance(m, block) for m in layer.modules())
    return {"blocks": count, "shapes": shapes_in_both_modes(layer, images(seed, 2, in_channels, height, width))}


def _maps(blocks) -> str:
    """`[[input shape, output shape], ...]` as the output maps' (C, H, W), in call order."""
    try:
        return ", ".join("x".join(map(str, out[1:])) for _, out in blocks) or "none"
    except (TypeError, ValueError):
        return repr(blocks)


def _resnet(got, expected, batch, in_channels, num_classes, height, width, **example):
    call = f"SmallResNet({num_classes}, in_channels={in_channels})"
    assert isinstance(got, dict), f"{call} could not be run"
    assert got.get("logits") == expected["logits"], (
        f"{call} returns {shape_text(got.get('logits'))}; a correct model returns logits of "
        f"shape {tuple(expected['logits']['shape'])}")
    assert got.get("blocks") == expected["blocks"], (
        f"on a {(batch, in_channels, height, width)} batch, the ResidualBlocks inside {call} output "
        f"maps of C x H x W = {_maps(got.get('blocks'))}, in turn; a correct model's blocks output "
        f"{_maps(expected['blocks'])}")


def _feature_map_sizes(got, expected, **example):
    def sizes(blocks, axis):
        return [out[axis] if isinstance(out, list) and len(out) == 4 else None for _, out in blocks] \
            if isinstance(blocks, list) else []
    got_blocks = got.get("blocks") if isinstance(got, dict) else None
    return [series.line("channels through the residual blocks", "block", "channels",
                        sizes(got_blocks, 1), sizes(expected["blocks"], 1)),
            series.line("feature-map height through the residual blocks", "block", "height",
                        sizes(got_blocks, 2), sizes(expected["blocks"], 2))]


@check("SmallResNet's stages do not shrink and widen the feature maps as specified, or its logits have the wrong shape",
       given=dict(seed=seeds, batch=st.integers(1, 3), in_channels=st.integers(1, 3),
                  num_classes=st.integers(2, 5), height=st.integers(5, 12), width=st.integers(5, 12)),
       examples=[dict(seed=0, batch=1, in_channels=3, num_classes=4, height=9, width=6)],
       compare=_resnet, max_examples=6, draw=_feature_map_sizes)
def resnet_stages(module, seed, batch, in_channels, num_classes, height, width):
    model = module.SmallResNet(num_classes, in_channels=in_channels) if in_channels != 3 \
        else module.SmallResNet(num_classes)
    model = built(model, seed).eval()
    seen = []
    for layer in model.modules():
        if isinstance(layer, module.ResidualBlock):
            layer.register_forward_hook(lambda _, inputs, out: seen.append(
                [list(inputs[0].shape), list(out.shape)]))
    with torch.no_grad():
        logits = model(images(seed, batch, in_channels, height, width))
    return {"logits": described(logits), "blocks": seen}


def _model(module, kind, channels, seed):
    if kind == "resnet":
        return built(module.SmallResNet(3, in_channels=channels), seed)
    return _block(module, kind, channels, 2, 2, seed)


def _independent(got, expected, kind, channels, **example):
    name = _resnet_call(channels) if kind == "resnet" else _call(kind, channels, 2, 2)
    assert_independent(got, expected, name)


@check("in eval mode, a sample's output depends on the other samples in its batch",
       given=dict(seed=seeds, kind=st.sampled_from(KINDS + ("resnet",)), channels=st.integers(1, 3),
                  batch=st.integers(2, 3), height=pixels, width=pixels),
       examples=[dict(seed=0, kind="resnet", channels=2, batch=3, height=7, width=5)],
       compare=_independent, max_examples=4)
def per_sample(module, seed, kind, channels, batch, height, width):
    return independent(_model(module, kind, channels, seed), images(seed, batch, channels, height, width))


@check("training SmallResNet would leave some of its weights, or its input, without a gradient",
       given=dict(seed=seeds, channels=st.integers(1, 3), height=pixels, width=pixels),
       compare=comparing(assert_gradients_reach, _resnet_call), max_examples=2)
def resnet_gradients(module, seed, channels, height, width):
    return train_gradients(_model(module, "resnet", channels, seed), images(seed, 2, channels, height, width), seed)


# Cheap, telling checks first: a mutant is decided by its first failing check.
CHECKS = (block_shapes, resnet_stages, stage_blocks, outputs_non_negative, receptive_field, identity_path,
          gradients_reach,
          stage_of_blocks, per_sample, resnet_gradients)
