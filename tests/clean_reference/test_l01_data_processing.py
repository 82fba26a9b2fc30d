"""Level 01 references against PyTorch itself: the library is the oracle."""

import runpy

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader, TensorDataset

from clean_reference.l01_data_processing import datasets, tensors

small = st.integers(1, 4)
fast = settings(max_examples=15, deadline=None, derandomize=True, database=None)


@fast
@given(n=small, s=small)
def test_stack_samples_rows_are_the_samples(n, s):
    samples = [torch.randn(s) for _ in range(n)]
    batch = tensors.stack_samples(samples)
    assert batch.shape == (n, s)
    for row, sample in zip(batch, samples):
        assert torch.equal(row, sample)


@fast
@given(b=small, fa=small, fb=small)
def test_concat_features_matches_hstack(b, fa, fb):
    a, c = torch.randn(b, fa), torch.randn(b, fb)
    assert torch.equal(tensors.concat_features(a, c), torch.hstack([a, c]))


@fast
@given(b=small, c=small, h=small, w=small, d=small)
def test_conditioning_then_1x1_conv_is_conv_plus_a_per_sample_bias(b, c, h, w, d):
    # Why conditioning by concatenation works: a 1x1 convolution over [fmap; cond] equals the
    # convolution of fmap plus a linear map of cond added at every pixel.
    fmap, cond = torch.randn(b, c, h, w), torch.randn(b, d)
    weight = torch.randn(3, c + d, 1, 1)
    conditioned = tensors.condition_feature_map(fmap, cond)
    assert conditioned.shape == (b, c + d, h, w)
    expected = F.conv2d(fmap, weight[:, :c]) + F.linear(cond, weight[:, c:, 0, 0])[:, :, None, None]
    torch.testing.assert_close(F.conv2d(conditioned, weight), expected)
    assert torch.equal(conditioned[:, :c], fmap)


def test_condition_feature_map_moves_cond_and_keeps_gradients():
    fmap = torch.randn(2, 3, 4, 5, device="meta")
    assert tensors.condition_feature_map(fmap, torch.randn(2, 6)).device.type == "meta"
    fmap, cond = torch.randn(2, 3, 4, 5, requires_grad=True), torch.randn(2, 6, requires_grad=True)
    tensors.condition_feature_map(fmap, cond).sum().backward()
    torch.testing.assert_close(cond.grad, torch.full((2, 6), 20.0))  # one per pixel, H * W = 20
    torch.testing.assert_close(fmap.grad, torch.ones_like(fmap))


@pytest.mark.parametrize("available, expected", [(True, "cuda"), (False, "cpu")])
def test_pick_device_follows_cuda_availability(monkeypatch, available, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    assert tensors.pick_device() == torch.device(expected)
    assert tensors.pick_device("meta") == torch.device("meta")
    assert tensors.pick_device(torch.device("cuda", 1)) == torch.device("cuda:1")


@fast
@given(n=st.integers(1, 8), f=small, batch_size=small,
       labels_dtype=st.sampled_from([torch.int32, torch.float32, torch.int64]))
def test_dataset_and_loader_match_tensor_dataset(n, f, batch_size, labels_dtype):
    features = torch.randint(-5, 6, (n, f)).double()
    labels = torch.randint(0, 3, (n,)).to(labels_dtype)
    ours = datasets.make_loader(datasets.FeatureLabelDataset(features, labels), batch_size, shuffle=False)
    oracle = DataLoader(TensorDataset(features.float(), labels.long()), batch_size=batch_size)
    for (x, y), (want_x, want_y) in zip(ours, oracle, strict=True):
        assert torch.equal(x, want_x) and torch.equal(y, want_y)
        F.cross_entropy(torch.zeros(len(y), 3), y)  # the labels are valid class-index targets


def test_seeded_loader_ignores_the_global_rng():
    dataset = datasets.FeatureLabelDataset(torch.randn(12, 2), torch.arange(12))
    orders = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        loader = datasets.make_loader(dataset, 5, seed=7)
        torch.rand(3)
        orders.append(torch.cat([y for _, y in loader]))
    assert torch.equal(orders[0], orders[1])
    assert sorted(orders[0].tolist()) == list(range(12))


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match="4.*3"):
        datasets.FeatureLabelDataset(torch.zeros(4, 2), torch.zeros(3))


@pytest.mark.parametrize("module", [tensors, datasets], ids=["tensors", "datasets"])
def test_demo_runs(module, capsys):
    runpy.run_path(module.__file__, run_name="__main__")
    assert capsys.readouterr().out
