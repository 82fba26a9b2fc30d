"""The comparison helpers' rules: a NaN is never a pass, a dict is its keys and values, and a
check's loader offers what a DataLoader does."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from scenarios._support import (
    Loader,
    assert_close,
    assert_finite,
    assert_same,
    classification_batches,
    differs,
    finite,
    largest,
    reaches,
)

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("value", [torch.tensor([1.0, NAN]), torch.tensor([INF]), NAN, -INF,
                                   {"a": [1.0, {"b": torch.tensor([NAN])}]}, [0.5, (2.0, NAN)]])
def test_a_nan_or_infinity_anywhere_is_not_finite(value):
    assert not finite(value)
    with pytest.raises(AssertionError, match="NaN"):
        assert_finite(value, "the output")


def test_integers_text_and_none_are_finite():
    assert finite([torch.tensor([1, 2]), "text", None, 3, {"k": torch.zeros(2)}])


@pytest.mark.parametrize("got", [torch.tensor([1.0, NAN]), torch.tensor([NAN, 1.0]), torch.tensor([INF, 1.0])])
def test_a_nan_never_counts_as_a_change(got):
    assert not differs(got, torch.tensor([1.0, 1.0]))
    assert not differs(torch.tensor([1.0, 1.0]), got)


def test_a_real_change_counts():
    assert differs(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
    assert not differs(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-8]))
    assert not differs(torch.tensor([1.0]), torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("gradient", [None, torch.zeros(3), torch.tensor([0.0, NAN, 0.0]),
                                      torch.tensor([1.0, NAN]), "a str"])
def test_a_gradient_reaches_only_when_finite_and_nonzero(gradient):
    assert not reaches(gradient)


def test_a_finite_nonzero_gradient_reaches():
    assert reaches(torch.tensor([0.0, -2.0]))


@given(st.lists(st.floats(allow_nan=False), min_size=1), st.integers(0, 10))
def test_largest_treats_a_nan_as_the_largest_wherever_it_sits(values, where):
    assert largest(values) == max(values)
    values = values[:where] + [NAN] + values[where:]
    assert largest(values) == math.inf  # Python's max() keeps a NaN only when it comes first


def test_assert_close_fails_a_nan_where_the_reference_is_finite():
    with pytest.raises(AssertionError):
        assert_close(torch.tensor([1.0, NAN]), torch.tensor([1.0, 2.0]), rtol=1e-5, atol=1e-6)
    assert_close(torch.tensor([1.0, NAN]), torch.tensor([1.0, NAN]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("got", [NAN, INF, -INF])
def test_assert_same_fails_a_non_finite_number_where_the_reference_is_finite(got):
    with pytest.raises(AssertionError):
        assert_same({"loss": got}, {"loss": 0.5})


def test_assert_same_accepts_a_nan_where_the_reference_has_one():
    assert_same([NAN], [NAN])


def test_a_dict_is_its_keys_in_any_order():
    assert_same({"b": 2.0, "a": 1}, {"a": 1, "b": 2.0})
    with pytest.raises(AssertionError, match="keys"):
        assert_same({"a": 1}, {"a": 1, "b": 2.0})


def test_a_checks_loader_offers_what_a_dataloader_does():
    loader = classification_batches(0, [3, 2, 1], features=4, classes=3)
    assert isinstance(loader, Loader)
    assert len(loader) == 3 and len(loader.dataset) == 6
    assert [len(y) for _, y in loader] == [3, 2, 1] == [len(y) for _, y in loader]  # every epoch
    total = sum(float(x.sum()) for x, _ in loader)
    assert math.isclose(total, float(loader.dataset.tensors[0].sum()), rel_tol=1e-5, abs_tol=1e-5)
