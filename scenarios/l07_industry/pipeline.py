"""Checks for `run_pipeline` (and `synthetic_dataset`), by self-consistency.

Different correct pipelines may draw their random numbers in another order and so train to other
numbers; what every correct one shares are facts about its own run. Each observation returns the
raw values of one or more runs (histories, states, logits, orders) and the judge derives the
facts from them (`_facts`), for the candidate's and the reference's alike: no observation
reports a verdict about itself. The restored model scores the best epoch's val_loss and equals
its checkpoint; the best epoch is the first with the lowest val_loss; the run stops when the
early-stopping rule says so; the learning rates follow StepLR; the same seed replays the run bit
for bit; changing validation samples changes nothing in training; each epoch trains on every
training sample once, in a new shuffled order.

Data: 40 samples of 4 features and 3 classes, 10 of them for validation, batches of 8 (no
training batch of one sample, which BatchNorm refuses). Random labels make the validation
loss turn upwards after a few epochs, so that the best epoch is often not the last.
"""

import math
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from torch.utils.data import Dataset

from bughunt.placement import device, plain
from scenarios._support import assert_same, check, finite, seeds

N, FEATURES, CLASSES, VAL_FRACTION = 40, 4, 3, 0.25
ROW_KEYS = ["epoch", "train_loss", "val_loss", "val_acc", "lr"]


class Samples(Dataset):
    """Items `(features (F,) float32, label () int64)`."""

    def __init__(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        self.features, self.labels = features, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        return self.features[index], self.labels[index]


def _samples(seed: int) -> Samples:
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(N, FEATURES, generator=generator)  # (N, F)
    labels = torch.randint(0, CLASSES, (N,), generator=generator)  # (N,) random: overfitting
    return Samples(features, labels)


def _run(module, seed, dataset, folder, name="best.pt", **overrides):
    fields = dict(seed=seed, dataset=dataset, num_samples=N, in_features=FEATURES,
                  num_classes=CLASSES, hidden_features=8, val_fraction=VAL_FRACTION,
                  batch_size=8, epochs=4, lr=0.3, momentum=0.9, weight_decay=0.0, step_size=2,
                  gamma=0.5, patience=99, min_delta=0.0,
                  checkpoint_path=str(Path(folder) / name), device=str(device()))
    fields.update(overrides)
    return module.run_pipeline(module.PipelineConfig(**fields))


def _validation_indices(module, dataset, seed) -> list[int]:
    return [int(i) for i in module.split_dataset(dataset, VAL_FRACTION, seed)[1].indices]


def _column(history, key) -> list:
    return [row[key] for row in history]


def _state(model) -> dict:
    return {name: value.detach().cpu() for name, value in model.state_dict().items()}


def _checkpoint_state(path, names) -> dict | None:
    """The model's state dict inside a checkpoint file, wherever the file keeps it."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    found = [saved] + list(saved.values()) if isinstance(saved, dict) else []
    return next((d for d in found if isinstance(d, dict) and set(d) == set(names)), None)


def _value(value):
    """A returned value as plain data: numbers and text stay, a tensor is a plain tensor,
    anything else is named."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):
        return plain(value)
    return f"a {type(value).__name__}"


def _rows(history) -> list:
    """A history as plain data: each row's keys and values, in the row's own order."""
    if not isinstance(history, list):
        return _value(history)
    return [{str(k): _value(v) for k, v in row.items()} if isinstance(row, dict) else _value(row)
            for row in history]


def _facts(messages: dict, derive):
    """A comparison that derives facts from raw observations (`derive(raw, **example)`, in the
    judge), and demands each fact the reference's run holds, with a message per fact."""
    def compare(got, expected, **example):
        assert isinstance(got, dict) and set(got) == set(expected), "the run could not be observed"
        got, expected = derive(got, **example), derive(expected, **example)
        for key, message in messages.items():
            assert got[key] == expected[key], message
    return compare


_BEST = {
    "checkpoint_where_configured": "result.checkpoint_path is not the config's checkpoint_path, "
                                   "or no file is there",
    "best_epoch_is_first_lowest": "best_epoch is not the first epoch with the lowest val_loss in the history",
    "best_metric_is_its_val_loss": "best_metric is not the val_loss the history reports for best_epoch",
    "restored_is_checkpoint": "the returned model's weights are not the ones saved in the checkpoint",
    "restored_scores_best": "the returned model does not score best_metric on the validation samples: "
                            "it is not the best epoch's model",
}


def _best_facts(raw, **example) -> dict:
    losses, best, metric, state, saved = (raw["losses"], raw["best_epoch"], raw["best_metric"],
                                          raw["state"], raw["saved"])
    logits, labels = raw["logits"], raw["labels"]
    score = float(F.cross_entropy(logits.double(), labels)) if isinstance(logits, torch.Tensor) \
        and logits.shape == (len(labels), CLASSES) else math.nan
    numbers = isinstance(losses, list) and all(isinstance(v, float) and math.isfinite(v) for v in losses)
    return {
        "checkpoint_where_configured": raw["reported"] == raw["configured"] and raw["file"],
        "best_epoch_is_first_lowest": numbers and bool(losses) and best == losses.index(min(losses)),
        "best_metric_is_its_val_loss": numbers and type(best) is int and 0 <= best < len(losses)
                                       and metric == losses[best],
        "restored_is_checkpoint": isinstance(saved, dict) and isinstance(state, dict) and set(saved) == set(state)
                                  and all(torch.equal(state[k], saved[k]) for k in state),
        "restored_scores_best": isinstance(metric, float) and math.isfinite(score)
                                and math.isclose(score, metric, rel_tol=1e-4, abs_tol=1e-5),
    }


@check("the returned model is not the best epoch's, or the best epoch is misreported",
       given=dict(seed=seeds, epochs=st.integers(2, 4), lr=st.sampled_from([0.1, 0.3, 1.0])),
       examples=[dict(seed=0, epochs=4, lr=0.3), dict(seed=3, epochs=4, lr=1.0)],
       compare=_facts(_BEST, _best_facts), max_examples=3, priority=30)
def keeps_the_best(module, seed, epochs, lr):
    dataset = _samples(seed)
    with tempfile.TemporaryDirectory() as folder:
        result = _run(module, seed, dataset, folder, epochs=epochs, lr=lr)
        path = Path(folder) / "best.pt"
        file = path.is_file()
        saved = _checkpoint_state(path, result.model.state_dict()) if file else None
    model = result.model.eval()
    held_out = _validation_indices(module, dataset, seed)
    with torch.no_grad():
        parameter = next(model.parameters())
        logits = model(dataset.features[held_out].to(parameter.device))  # (V, C)
    return {"reported": str(Path(result.checkpoint_path)), "configured": str(path), "file": file,
            "saved": None if saved is None else {k: plain(v) for k, v in saved.items()},
            "state": _state(model), "losses": [_value(v) for v in _column(result.history, "val_loss")],
            "best_epoch": _value(result.best_epoch), "best_metric": _value(result.best_metric),
            "logits": plain(logits), "labels": dataset.labels[held_out]}


def _stop_length(losses, patience, min_delta, epochs) -> int:
    """How many epochs the pinned early-stopping rule lets run, given the val losses."""
    best, counter = None, 0
    for epoch, loss in enumerate(losses):
        if best is None or loss < best - min_delta:
            best, counter = loss, 0
        else:
            counter += 1
        if counter >= patience:
            return epoch + 1
    return epochs


_STOP = {
    "rows": "the history rows do not have exactly the keys epoch, train_loss, val_loss, val_acc, lr "
            "(epoch an int counting from 0, the others floats, val_acc a fraction)",
    "stopped_by_the_rule": "the run does not stop at the epoch early stopping on val_loss "
                           "(with the config's patience and min_delta) says it should",
}


def _stop_facts(raw, patience, min_delta, **example) -> dict:
    history = raw["history"]
    # "Exactly these keys": a row is its set of keys, in any order.
    rows = isinstance(history, list) and all(
        isinstance(row, dict) and set(row) == set(ROW_KEYS) and type(row["epoch"]) is int
        and row["epoch"] == i and all(type(row[k]) is float and math.isfinite(row[k]) for k in ROW_KEYS[1:])
        and 0.0 <= row["val_acc"] <= 1.0 for i, row in enumerate(history))
    stopped = rows and len(history) == _stop_length(_column(history, "val_loss"), patience, min_delta, 6)
    return {"rows": rows, "stopped_by_the_rule": stopped}


@check("training does not stop when the validation loss has stopped improving for `patience` epochs",
       given=dict(seed=seeds, patience=st.integers(1, 2), min_delta=st.sampled_from([0.0, 0.05])),
       examples=[dict(seed=1, patience=1, min_delta=0.0), dict(seed=2, patience=2, min_delta=0.05)],
       compare=_facts(_STOP, _stop_facts), max_examples=3, priority=40)
def stops_on_time(module, seed, patience, min_delta):
    with tempfile.TemporaryDirectory() as folder:
        result = _run(module, seed, _samples(seed), folder, epochs=6, patience=patience,
                      min_delta=min_delta)
    return {"history": _rows(result.history)}


def _same_rates(got, expected, lr, step_size, gamma, **example):
    assert isinstance(got, list) and len(got) == len(expected), (
        f"the history has {len(got) if isinstance(got, list) else '?'} rows where "
        f"{len(expected)} epochs should have run (patience is larger than epochs)")
    assert_same(got, expected,
                f"the learning rates per epoch (lr={lr}, step_size={step_size}, gamma={gamma})")


@check("the learning rate per epoch does not follow the StepLR schedule",
       given=dict(seed=seeds, lr=st.sampled_from([0.1, 0.3]), step_size=st.integers(1, 3),
                  gamma=st.sampled_from([0.5, 0.1])),
       examples=[dict(seed=0, lr=0.3, step_size=1, gamma=0.5), dict(seed=1, lr=0.1, step_size=2, gamma=0.1)],
       compare=_same_rates, max_examples=3, priority=20)
def follows_the_schedule(module, seed, lr, step_size, gamma):
    with tempfile.TemporaryDirectory() as folder:
        result = _run(module, seed, _samples(seed), folder, epochs=5, lr=lr, step_size=step_size,
                      gamma=gamma)
    return _column(result.history, "lr")


def _scramble(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.rand(seed % 5 + 1)


_REPLAY = {
    "same_history": "two runs with the same config do not report the same history, bit for bit, "
                    "when other code drew random numbers before each",
    "same_model": "two runs with the same config do not return the same model, bit for bit",
    "other_seed_other_run": "a different seed gives exactly the same run: the seed is not used",
}


def _same_states(a, b) -> bool:
    return isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b) \
        and all(torch.equal(a[k], b[k]) for k in a)


def _replay_facts(raw, **example) -> dict:
    (first, again, other), (a, b, c) = raw["histories"], raw["states"]
    return {"same_history": finite(first) and first == again, "same_model": _same_states(a, b),
            "other_seed_other_run": first != other or not _same_states(a, c)}


@check("the same seed does not replay the same run, or a different seed changes nothing",
       given=dict(seed=seeds), examples=[dict(seed=0)], compare=_facts(_REPLAY, _replay_facts),
       max_examples=2, priority=40)
def reproducible(module, seed):
    with tempfile.TemporaryDirectory() as folder:
        _scramble(seed + 1)
        first = _run(module, seed, None, folder, "a.pt", epochs=3)
        _scramble(seed + 2)
        again = _run(module, seed, None, folder, "b.pt", epochs=3)
        other = _run(module, seed + 1, None, folder, "c.pt", epochs=3)
    runs = (first, again, other)
    return {"histories": [_rows(run.history) for run in runs], "states": [_state(run.model) for run in runs]}


_LEAK = {
    "training_unchanged": "changing only validation samples changed the training losses: "
                          "validation data reaches training",
    "validation_changed": "changing the validation samples did not change the validation loss: "
                          "the validation split is not what is validated",
}


def _leak_facts(raw, **example) -> dict:
    train, val = raw["train_losses"], raw["val_losses"]
    return {"training_unchanged": finite(train) and train[0] == train[1], "validation_changed": val[0] != val[1]}


@check("changing validation samples changes how the model trains",
       given=dict(seed=seeds), examples=[dict(seed=0)], compare=_facts(_LEAK, _leak_facts),
       max_examples=2, priority=20)
def validation_never_trains(module, seed):
    clean = _samples(seed)
    held_out = _validation_indices(module, clean, seed)
    poisoned = Samples(clean.features.clone(), clean.labels.clone())
    poisoned.features[held_out] = 25.0  # (V, F) far outside the training data
    poisoned.labels[held_out] = (poisoned.labels[held_out] + 1) % CLASSES
    with tempfile.TemporaryDirectory() as folder:
        first = _run(module, seed, clean, folder, "a.pt", epochs=3)
        second = _run(module, seed, poisoned, folder, "b.pt", epochs=3)
    return {"train_losses": [[_value(v) for v in _column(run.history, "train_loss")] for run in (first, second)],
            "val_losses": [[_value(v) for v in _column(run.history, "val_loss")] for run in (first, second)]}


_ORDER = {
    "each_training_sample_once_per_epoch": "an epoch does not train on every training sample exactly "
                                           "once (and on no validation sample)",
    "new_order_every_epoch": "two consecutive epochs train on the samples in the same order",
    "shuffled": "the training samples arrive in the split's own order: the training data is not shuffled",
}


class _Seen:
    """The samples that reach the model in train mode, epoch by epoch.

    A global forward pre-hook reads the rows entering the model's first layer (the only
    Linear layer with FEATURES inputs) and maps them back to sample numbers; a call in eval
    mode (validation) ends an epoch. Watching the model rather than the dataset lets a
    pipeline read its data however it likes, cached in one tensor included.
    """

    def __init__(self, features: torch.Tensor) -> None:
        self.ids = {tuple(row.tolist()): i for i, row in enumerate(features)}
        self.epochs, self._current = [], []

    def __enter__(self):
        self._handle = torch.nn.modules.module.register_module_forward_pre_hook(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        self._handle.remove()
        self._cut()

    def _hook(self, layer, args) -> None:
        if not (isinstance(layer, torch.nn.Linear) and layer.in_features == FEATURES and args):
            return
        if layer.training:
            self._current += [self.ids.get(tuple(row.tolist()), -1) for row in args[0].detach().cpu()]
        else:
            self._cut()

    def _cut(self) -> None:
        if self._current:
            self.epochs, self._current = self.epochs + [self._current], []


def _order_facts(raw, **example) -> dict:
    epochs, own_order = raw["epochs"], raw["own_order"]
    return {"each_training_sample_once_per_epoch": len(epochs) == 3
                                                   and all(sorted(e) == sorted(own_order) for e in epochs),
            "new_order_every_epoch": all(a != b for a, b in zip(epochs, epochs[1:])),
            "shuffled": bool(epochs) and epochs[0] != own_order}


@check("the training samples are not reshuffled every epoch",
       given=dict(seed=seeds), examples=[dict(seed=0)], compare=_facts(_ORDER, _order_facts),
       max_examples=2, priority=20)
def reshuffles(module, seed):
    dataset = _samples(seed)
    with tempfile.TemporaryDirectory() as folder, _Seen(dataset.features) as seen:
        _run(module, seed, dataset, folder, epochs=3)
    train_part = module.split_dataset(dataset, VAL_FRACTION, seed)[0]
    return {"epochs": seen.epochs, "own_order": [int(i) for i in train_part.indices]}


_SYNTHETIC = {
    "items": "synthetic_dataset's items are not (float32 features (F,), int64 label ()) "
             "with labels in [0, C)",
    "length": "synthetic_dataset does not hold num_samples samples",
    "same_seed_same_data": "synthetic_dataset gives other data for the same seed after other "
                           "code drew random numbers",
    "global_rng_untouched": "synthetic_dataset moves torch's global random generator",
    "other_seed_other_data": "synthetic_dataset gives the same data for two different seeds",
}


def _synthetic_facts(raw, n, features, classes, **example) -> dict:
    items, again, other = ([item if isinstance(item, list) and len(item) == 2 else [None, None]
                            for item in run] for run in raw["items"])
    return {"items": all(isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)
                         and x.dtype == torch.float32 and tuple(x.shape) == (features,) and finite(x)
                         and y.dtype == torch.int64 and y.dim() == 0 and 0 <= int(y) < classes
                         for x, y in items),
            "length": len(items) == n, "same_seed_same_data": _same_items(items, again),
            "global_rng_untouched": torch.equal(*raw["global_draws"]),
            "other_seed_other_data": not _same_items(items, other)}


@check("the synthetic dataset is not a fixed function of its seed",
       given=dict(seed=seeds, n=st.integers(2, 30), features=st.integers(1, 5), classes=st.integers(2, 4)),
       examples=[dict(seed=0, n=12, features=3, classes=3)], compare=_facts(_SYNTHETIC, _synthetic_facts),
       max_examples=5, priority=30)
def synthetic(module, seed, n, features, classes):
    _scramble(seed + 1)
    first = module.synthetic_dataset(n, features, classes, seed)
    after = torch.rand(3)
    _scramble(seed + 1)
    untouched = torch.rand(3)  # what the global generator gives when nobody drew from it
    _scramble(seed + 2)
    again = module.synthetic_dataset(n, features, classes, seed)
    other = module.synthetic_dataset(n, features, classes, seed + 1)
    return {"items": [_items(first), _items(again), _items(other)], "global_draws": [after, untouched]}


def _items(data) -> list:
    return [[_value(x) for x in data[i]] for i in range(len(data))]


def _same_items(a, b) -> bool:
    return len(a) == len(b) and all(
        isinstance(x, torch.Tensor) and isinstance(u, torch.Tensor) and torch.equal(x, u)
        and isinstance(y, torch.Tensor) and isinstance(v, torch.Tensor) and torch.equal(y, v)
        for (x, y), (u, v) in zip(a, b))


CHECKS = (keeps_the_best, stops_on_time, follows_the_schedule, reproducible, validation_never_trains,
          reshuffles, synthetic)
