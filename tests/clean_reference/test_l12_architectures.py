"""Level 12 references against PyTorch's own functional ops: each block is recomputed with
F.conv2d, F.batch_norm, F.max_pool2d and F.relu from its own weights, and the parameter counts
are the ones the papers (and the guide) give."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from clean_reference import l12_architectures as l12
from clean_reference.l12_architectures import inception, residual, vgg

fast = settings(max_examples=10, deadline=None, derandomize=True, database=None)
small = st.integers(1, 4)
side = st.integers(4, 9)


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _randomise_statistics(module: nn.Module, seed: int) -> nn.Module:
    """Give every BatchNorm non-trivial affine weights and running statistics."""
    generator = torch.Generator().manual_seed(seed)
    for layer in module.modules():
        if isinstance(layer, nn.BatchNorm2d):
            n = layer.num_features
            layer.weight.data = torch.rand(n, generator=generator) + 0.5
            layer.bias.data = torch.randn(n, generator=generator)
            layer.running_mean = torch.randn(n, generator=generator)
            layer.running_var = torch.rand(n, generator=generator) + 0.5
    return module


def _bn(x, layer: nn.BatchNorm2d, train: bool):
    return F.batch_norm(x, layer.running_mean.clone(), layer.running_var.clone(), layer.weight, layer.bias,
                        training=train, eps=layer.eps)


def _conv_bn(x, conv: nn.Conv2d, norm: nn.BatchNorm2d, train: bool):
    return _bn(F.conv2d(x, conv.weight, stride=conv.stride, padding=conv.padding), norm, train)


def test_every_name_is_importable_from_the_package():
    from clean_reference.l12_architectures import (  # noqa: F401
        Bottleneck,
        InceptionModule,
        ResidualBlock,
        SimpleCNN,
        SmallResNet,
        VGGBlock,
        make_layer,
    )
    assert sorted(l12.__all__) == sorted(["Bottleneck", "InceptionModule", "ResidualBlock", "SimpleCNN",
                                          "SmallResNet", "VGGBlock", "make_layer"])


@fast
@given(seed=st.integers(0, 99), c_in=small, c_out=st.none() | small, stride=st.sampled_from([1, 2]),
       h=side, w=side, train=st.booleans())
def test_residual_block_is_relu_of_branch_plus_shortcut(seed, c_in, c_out, stride, h, w, train):
    torch.manual_seed(seed)
    stride = stride if c_out else 1  # the one-argument form keeps the resolution
    block = residual.ResidualBlock(c_in, c_out, stride) if c_out else residual.ResidualBlock(c_in)
    block = _randomise_statistics(block, seed).train(train)
    x = torch.randn(2, c_in, h, w)
    conv1, bn1, _, conv2, bn2 = block.branch
    assert conv1.stride == (stride, stride) and conv2.stride == (1, 1)
    out = _conv_bn(F.relu(_conv_bn(x, conv1, bn1, train)), conv2, bn2, train)
    if stride == 1 and (c_out or c_in) == c_in:
        shortcut = x
    else:
        shortcut = _conv_bn(x, *block.shortcut, train)
    with torch.no_grad():
        got = block(x)
    torch.testing.assert_close(got, F.relu(out + shortcut))
    assert got.shape == (2, c_out or c_in, -(-h // stride), -(-w // stride))


@fast
@given(seed=st.integers(0, 99), c_in=st.integers(1, 8), mid=small, stride=st.sampled_from([1, 2]),
       h=side, w=side, train=st.booleans())
def test_bottleneck_is_reduce_3x3_expand_plus_shortcut(seed, c_in, mid, stride, h, w, train):
    torch.manual_seed(seed)
    block = _randomise_statistics(residual.Bottleneck(c_in, mid, stride), seed).train(train)
    x = torch.randn(2, c_in, h, w)
    c1, n1, _, c2, n2, _, c3, n3 = block.branch
    assert c2.stride == (stride, stride) and c1.stride == c3.stride == (1, 1)  # the stride sits on the 3x3
    out = F.relu(_conv_bn(x, c1, n1, train))
    out = F.relu(_conv_bn(out, c2, n2, train))
    out = _conv_bn(out, c3, n3, train)
    shortcut = x if (stride, c_in) == (1, 4 * mid) else _conv_bn(x, *block.shortcut, train)
    with torch.no_grad():
        got = block(x)
    torch.testing.assert_close(got, F.relu(out + shortcut))
    assert got.shape == (2, 4 * mid, -(-h // stride), -(-w // stride))


def test_projection_only_where_the_shape_changes():
    assert isinstance(residual.ResidualBlock(4).shortcut, nn.Identity)
    assert isinstance(residual.ResidualBlock(4, 4, 1).shortcut, nn.Identity)
    assert not isinstance(residual.ResidualBlock(4, 4, 2).shortcut, nn.Identity)
    assert not isinstance(residual.ResidualBlock(4, 8, 1).shortcut, nn.Identity)
    assert isinstance(residual.Bottleneck(16, 4).shortcut, nn.Identity)
    assert not isinstance(residual.Bottleneck(16, 4, 2).shortcut, nn.Identity)
    assert not isinstance(residual.Bottleneck(8, 4).shortcut, nn.Identity)


def test_parameter_counts_are_the_papers():
    # Basic block at C channels: two 3x3 convolutions (18 C^2) and two BatchNorms (4 C).
    assert _count(residual.ResidualBlock(64)) == 18 * 64 * 64 + 4 * 64
    # The guide's bottleneck, 256 -> 64 -> 256: "about 70 thousand weights" (plus 3 BatchNorms).
    assert _count(residual.Bottleneck(256, 64)) == 256 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * (64 + 64 + 256)
    # A VGG block: 3x3 kernels with biases, no normalisation.
    assert _count(vgg.VGGBlock(3, 8, 2)) == (27 * 8 + 8) + (72 * 8 + 8)
    # Inception: the 1x1 reductions keep the 5x5 branch cheap.
    module = inception.InceptionModule(192, 64, 96, 128, 16, 32, 32)
    assert _count(module.branch5) == (192 * 16 + 16) + (16 * 25 * 32 + 32)


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
def test_a_zeroed_block_that_keeps_the_shape_is_the_identity_on_non_negative_inputs(kind):
    block = residual.ResidualBlock(3) if kind == "basic" else residual.Bottleneck(8, 2)
    for p in block.parameters():
        nn.init.zeros_(p)
    x = torch.randn(2, 3 if kind == "basic" else 8, 5, 7)
    for train in (True, False):
        block.train(train)
        assert torch.equal(block(x.relu()), x.relu())
        assert torch.equal(block(x), x.relu())  # ReLU after the addition


def test_make_layer_builds_first_block_with_stride_then_the_rest():
    calls = []

    class Probe(nn.Module):
        expansion = 4

        def __init__(self, in_channels, out_channels, stride=1):
            super().__init__()
            calls.append((in_channels, out_channels, stride))

        def forward(self, x):
            return x

    layer = residual.make_layer(Probe, 3, 2, 4, stride=2)
    assert isinstance(layer, nn.Sequential) and len(layer) == 4
    assert calls == [(3, 2, 2), (8, 2, 1), (8, 2, 1), (8, 2, 1)]


def test_make_layer_with_bottlenecks_ends_with_four_times_the_width():
    layer = residual.make_layer(residual.Bottleneck, 5, 3, 3, stride=2)
    assert [type(b) for b in layer] == [residual.Bottleneck] * 3
    assert layer(torch.randn(2, 5, 7, 4)).shape == (2, 12, 4, 2)


def test_small_resnet_stages_and_logits():
    model = residual.SmallResNet(num_classes=7, in_channels=2).eval()
    seen = []
    for layer in model.modules():
        if isinstance(layer, residual.ResidualBlock):
            layer.register_forward_hook(lambda _, inputs, out: seen.append((inputs[0].shape[1:], out.shape[1:])))
    logits = model(torch.randn(1, 2, 9, 6))
    assert logits.shape == (1, 7)
    assert [tuple(o) for _, o in seen] == [(16, 9, 6), (16, 9, 6), (32, 5, 3), (32, 5, 3), (64, 3, 2), (64, 3, 2)]


@fast
@given(seed=st.integers(0, 99), c_in=small, c_out=small, n=st.integers(1, 3), h=side, w=side)
def test_vgg_block_is_convs_relus_then_max_pool(seed, c_in, c_out, n, h, w):
    torch.manual_seed(seed)
    block = vgg.VGGBlock(c_in, c_out, n)
    x = torch.randn(2, c_in, h, w)
    expected = x
    for conv in [m for m in block.modules() if isinstance(m, nn.Conv2d)]:
        assert conv.kernel_size == (3, 3)
        expected = F.relu(F.conv2d(expected, conv.weight, conv.bias, padding=1))
    expected = F.max_pool2d(expected, 2)
    torch.testing.assert_close(block(x), expected)
    assert expected.shape == (2, c_out, h // 2, w // 2)


def test_simple_cnn_is_two_stages_pooled_then_linear():
    torch.manual_seed(0)
    model = vgg.SimpleCNN(3, 5)
    x = torch.randn(3, 3, 9, 6)
    first, second = model.features
    expected = model.classifier(second(first(x)).mean(dim=(2, 3)))
    torch.testing.assert_close(model(x), expected)
    assert model(x[:1]).shape == (1, 5)


@fast
@given(seed=st.integers(0, 99), c_in=small, widths=st.lists(small, min_size=6, max_size=6), h=side, w=side)
def test_inception_is_the_four_branches_concatenated(seed, c_in, widths, h, w):
    torch.manual_seed(seed)
    module = inception.InceptionModule(c_in, *widths)
    x = torch.randn(2, c_in, h, w)

    def conv(y, sequential):
        layer = sequential[0]
        return F.relu(F.conv2d(y, layer.weight, layer.bias, padding=layer.kernel_size[0] // 2))

    b1 = conv(x, module.branch1)
    b3 = conv(conv(x, module.branch3[0]), module.branch3[1])
    b5 = conv(conv(x, module.branch5[0]), module.branch5[1])
    bp = conv(F.max_pool2d(x, 3, stride=1, padding=1), module.branch_pool[1])
    assert module.branch5[1][0].kernel_size == (5, 5) and module.branch3[1][0].kernel_size == (3, 3)
    c1, _, c3, _, c5, pool_proj = widths
    got = module(x)
    assert got.shape == (2, c1 + c3 + c5 + pool_proj, h, w)
    torch.testing.assert_close(got, torch.cat([b1, b3, b5, bp], dim=1))
