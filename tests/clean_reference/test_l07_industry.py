"""Level 07 references against PyTorch itself: seeds, the split, early stopping, the pipeline.

PyTorch is the oracle where it has one: `ReduceLROnPlateau` implements the same "no
improvement beyond a margin for `patience` epochs" rule, `StepLR` the learning rates, a
fresh `torch.Generator` what a seeded generator draws.
"""

import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import Subset, TensorDataset

from clean_reference.l07_industry.early_stopping import EarlyStopping
from clean_reference.l07_industry.pipeline import PipelineConfig, run_pipeline, synthetic_dataset
from clean_reference.l07_industry.reproducibility import set_seed, split_dataset

fast = settings(max_examples=25, deadline=None, derandomize=True, database=None)


def test_set_seed_seeds_python_numpy_and_torch():
    random.random(), np.random.rand(), torch.rand(2)
    set_seed(123)
    assert random.random() == random.Random(123).random()
    assert np.random.rand() == np.random.RandomState(123).rand()
    assert torch.equal(torch.rand(3), torch.rand(3, generator=torch.Generator().manual_seed(123)))


@fast
@given(n=st.integers(1, 50), val_fraction=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_split_is_a_partition_of_the_promised_sizes(n, val_fraction, seed):
    data = TensorDataset(torch.arange(n))
    train, val = split_dataset(data, val_fraction, seed)
    assert isinstance(train, Subset) and isinstance(val, Subset)
    assert train.dataset is data and val.dataset is data
    assert len(val) == int(n * val_fraction) and len(train) == n - len(val)
    assert sorted(train.indices + val.indices) == list(range(n))


@pytest.mark.parametrize(("n", "fraction", "n_val"),
                         [(9, 0.1, 0), (10, 0.1, 1), (19, 0.1, 1), (10, 0.3, 3), (4, 1.0, 4)])
def test_split_rounds_down(n, fraction, n_val):
    assert len(split_dataset(TensorDataset(torch.arange(n)), fraction, 0)[1]) == n_val


def test_split_depends_on_its_seed_alone_and_leaves_the_global_generator():
    data = TensorDataset(torch.arange(30))
    torch.manual_seed(1)
    first = split_dataset(data, 0.5, 7)
    after = torch.rand(2)
    torch.manual_seed(1)
    assert torch.equal(after, torch.rand(2))
    torch.rand(5)
    again = split_dataset(data, 0.5, 7)
    assert first[1].indices == again[1].indices and first[0].indices == again[0].indices
    assert split_dataset(data, 0.5, 8)[1].indices != first[1].indices


def _plateau_first_stop(metrics, patience, min_delta, mode):
    """The first epoch ReduceLROnPlateau (patience - 1, an absolute threshold) cuts the rate."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode=mode, factor=0.5, patience=patience - 1, threshold=min_delta,
        threshold_mode="abs", cooldown=0, eps=0.0)
    for epoch, metric in enumerate(metrics):
        plateau.step(metric)
        if optimizer.param_groups[0]["lr"] < 1.0:
            return epoch
    return None


@fast
@given(metrics=st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0]) | st.floats(-2, 2),
                        min_size=1, max_size=15),
       patience=st.integers(1, 4), min_delta=st.sampled_from([0.0, 0.5]),
       mode=st.sampled_from(["min", "max"]))
def test_early_stopping_first_stop_matches_reduce_lr_on_plateau(metrics, patience, min_delta, mode):
    stopper = EarlyStopping(patience, min_delta=min_delta, mode=mode)
    answers = [stopper.step(m) for m in metrics]
    first = answers.index(True) if True in answers else None
    assert first == _plateau_first_stop(metrics, patience, min_delta, mode)


def test_early_stopping_by_hand():
    stopper = EarlyStopping(patience=2)
    assert [stopper.step(m) for m in [3, 2, 3, 3, 1, 2, 2, 0.5, 1]] == \
        [False, False, False, True, False, False, True, False, False]
    margin = EarlyStopping(patience=1, min_delta=0.5)
    assert [margin.step(m) for m in [1.0, 0.5, 0.4]] == [False, True, False]
    accuracy = EarlyStopping(patience=1, mode="max")
    assert [accuracy.step(a) for a in [0.5, 0.6, 0.6, 0.7]] == [False, False, True, False]
    with pytest.raises(ValueError):
        EarlyStopping(1, mode="down")


def test_synthetic_dataset_is_labelled_by_a_linear_rule_and_leaves_the_global_generator():
    torch.manual_seed(0)
    data = synthetic_dataset(64, 5, 3, seed=4)
    after = torch.rand(1)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(1))
    x, y = data[0]
    assert x.dtype == torch.float32 and x.shape == (5,) and y.dtype == torch.int64 and y.dim() == 0
    scores = torch.linalg.lstsq(data.features, torch.nn.functional.one_hot(data.labels, 3).float()).solution
    assert ((data.features @ scores).argmax(dim=1) == data.labels).float().mean() > 0.7
    assert torch.equal(synthetic_dataset(64, 5, 3, seed=4).features, data.features)


def _config(folder, **overrides) -> PipelineConfig:
    fields = dict(num_samples=96, in_features=4, num_classes=3, hidden_features=8, batch_size=16,
                  epochs=6, lr=0.2, step_size=2, gamma=0.5, patience=99, min_delta=0.0,
                  checkpoint_path=str(Path(folder) / "ckpt" / "best.pt"), device="cpu")
    return PipelineConfig(**{**fields, **overrides})


def test_config_defaults_train_a_small_job():
    config = PipelineConfig()
    assert config.dataset is None and 0 < config.val_fraction < 1 and config.device is None


def test_pipeline_keeps_and_restores_the_best_epoch():
    with tempfile.TemporaryDirectory() as folder:
        result = run_pipeline(_config(folder, lr=1.0))
        saved = torch.load(result.checkpoint_path, weights_only=True)
    losses = [row["val_loss"] for row in result.history]
    assert result.best_epoch == losses.index(min(losses)) and result.best_metric == min(losses)
    assert saved["epoch"] == result.best_epoch
    for name, value in result.model.state_dict().items():
        assert torch.equal(value, saved["model"][name])
    assert [list(row) for row in result.history] == [["epoch", "train_loss", "val_loss", "val_acc", "lr"]] * 6


def test_pipeline_learning_rates_follow_step_lr():
    with tempfile.TemporaryDirectory() as folder:
        result = run_pipeline(_config(folder, lr=0.3, step_size=2, gamma=0.1))
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    expected = []
    for _ in range(6):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert [row["lr"] for row in result.history] == pytest.approx(expected)


def test_pipeline_stops_early_and_replays_with_the_same_seed():
    noisy = synthetic_dataset(96, 4, 3, seed=0)
    noisy.labels = torch.randint(0, 3, (96,), generator=torch.Generator().manual_seed(1))
    with tempfile.TemporaryDirectory() as folder:
        torch.manual_seed(5)
        first = run_pipeline(_config(folder, dataset=noisy, epochs=20, patience=2, lr=0.5))
        torch.manual_seed(6)
        again = run_pipeline(_config(folder, dataset=noisy, epochs=20, patience=2, lr=0.5))
    assert len(first.history) < 20
    assert first.history == again.history


def test_validation_samples_never_reach_training():
    clean = synthetic_dataset(96, 4, 3, seed=2)
    _, val = split_dataset(clean, 0.2, 0)
    poisoned = synthetic_dataset(96, 4, 3, seed=2)
    poisoned.features[val.indices] = 100.0
    with tempfile.TemporaryDirectory() as folder:
        a = run_pipeline(_config(folder, dataset=clean, epochs=3))
        b = run_pipeline(_config(folder, dataset=poisoned, epochs=3))
    assert [r["train_loss"] for r in a.history] == [r["train_loss"] for r in b.history]
    assert [r["val_loss"] for r in a.history] != [r["val_loss"] for r in b.history]
