"""The whole training job in one call: seed, data, split, model, train, validate, keep the best.

`run_pipeline(config)` strings the earlier levels together the way a production training
script does. One seed fixes everything random. A seeded split holds out validation samples
that never train. Each epoch trains with SGD, validates, and steps a StepLR schedule. The
model with the lowest validation loss so far is saved to a checkpoint (atomically, so a
crash never leaves half a file), early stopping ends the run once the validation loss has
stopped improving, and the best weights, not the last ones, are restored at the end.

Shapes: features (N, F) float32 and labels (N,) int64 class indices; batches (B, F) and
(B,); logits (B, C), with F = in_features and C = num_classes.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset

from clean_reference.l01_data_processing.datasets import FeatureLabelDataset, make_loader
from clean_reference.l01_data_processing.tensors import pick_device
from clean_reference.l05_intermediate.backbone_head import Classifier
from clean_reference.l05_intermediate.checkpoint import load_checkpoint, save_checkpoint
from clean_reference.l05_intermediate.loops import train_one_epoch, validate
from clean_reference.l07_industry.early_stopping import EarlyStopping
from clean_reference.l07_industry.reproducibility import set_seed, split_dataset


@dataclass
class PipelineConfig:
    """Every knob of a run. The defaults train the synthetic set in seconds on a CPU."""

    seed: int = 0  # one seed: weights, Dropout, the split and the batch order
    dataset: Dataset | None = None  # items (features (F,), label ()); None: synthetic
    num_samples: int = 512  # size of the synthetic set
    in_features: int = 16  # F, the features per sample
    num_classes: int = 4  # C
    hidden_features: int = 64  # the backbone's width
    val_fraction: float = 0.2  # share of the samples held out for validation
    batch_size: int = 32  # no training batch may hold a single sample (BatchNorm)
    epochs: int = 30  # an upper bound: early stopping usually ends the run sooner
    lr: float = 0.05  # SGD's starting learning rate
    momentum: float = 0.9
    weight_decay: float = 1e-4
    step_size: int = 10  # StepLR: the rate is multiplied by gamma every step_size epochs
    gamma: float = 0.5
    patience: int = 5  # epochs without improvement before stopping
    min_delta: float = 1e-4  # the smallest fall in val_loss that counts as improvement
    checkpoint_path: str = "checkpoints/best.pt"  # where the best model is kept
    device: str | None = None  # None: CUDA when available, else the CPU


@dataclass
class PipelineResult:
    """What a run leaves behind."""

    best_epoch: int  # the first epoch with the lowest val_loss
    best_metric: float  # that epoch's val_loss
    history: list[dict]  # one row per epoch run: epoch, train_loss, val_loss, val_acc, lr
    checkpoint_path: Path  # the best model's checkpoint
    model: nn.Module  # the best model, restored from that checkpoint


def synthetic_dataset(num_samples: int, in_features: int, num_classes: int,
                      seed: int) -> FeatureLabelDataset:
    """A classification set with a learnable rule: standard normal features, each labelled
    by the largest of `num_classes` fixed random linear scores. It depends on `seed` alone
    and leaves the global random generator untouched."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(num_samples, in_features, generator=generator)  # (N, F)
    scores = torch.randn(in_features, num_classes, generator=generator)  # (F, C)
    return FeatureLabelDataset(features, (features @ scores).argmax(dim=1))  # labels (N,)


def run_pipeline(config: PipelineConfig) -> PipelineResult:
    """Train a `Classifier` as `config` says; return the best epoch and the best model.

    The data (`config.dataset`, or `synthetic_dataset(...)` with the config's sizes and
    seed) is split with `split_dataset(dataset, config.val_fraction, config.seed)`;
    validation samples never reach training. Every epoch trains on each training sample
    once, in an order reshuffled every epoch and replayed by the same seed, then validates,
    then steps StepLR once. The row of metrics per epoch is as in level 05 (`lr` is the rate
    that epoch trained with). Whenever an epoch's val_loss is the lowest so far, the model
    is saved to `config.checkpoint_path`; `EarlyStopping` on val_loss (`patience`,
    `min_delta`) may end the run before `config.epochs`. The returned model holds the
    weights of the best epoch. The same config gives the same run, bit for bit.
    """
    set_seed(config.seed)
    device = pick_device(config.device)
    dataset = config.dataset
    if dataset is None:
        dataset = synthetic_dataset(config.num_samples, config.in_features, config.num_classes,
                                    config.seed)
    train_set, val_set = split_dataset(dataset, config.val_fraction, config.seed)
    val_loader = make_loader(val_set, config.batch_size, shuffle=False)
    model = Classifier(config.in_features, config.hidden_features, config.num_classes).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, config.step_size, config.gamma)
    stopper = EarlyStopping(config.patience, config.min_delta, mode="min")
    loss_fn = nn.CrossEntropyLoss()
    path = Path(config.checkpoint_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    history, best_epoch, best_metric = [], -1, math.inf
    for epoch in range(config.epochs):
        # Built per epoch, so that a run resumed at any epoch replays that epoch's batches.
        train_loader = make_loader(train_set, config.batch_size, shuffle=True,
                                   seed=config.seed + epoch)
        lr = optimizer.param_groups[0]["lr"]  # the rate this epoch trains with
        train_loss = train_one_epoch(model, train_loader, optimizer, loss_fn, device)
        val_loss, val_acc = validate(model, val_loader, loss_fn, device)
        scheduler.step()
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_acc": val_acc, "lr": lr})
        if val_loss < best_metric:
            best_epoch, best_metric = epoch, val_loss
            save_checkpoint(path, model, optimizer, epoch, val_loss=val_loss, val_acc=val_acc)
        if stopper.step(val_loss):
            break
    load_checkpoint(path, model)  # the best epoch's weights, not the last epoch's
    return PipelineResult(best_epoch, best_metric, history, path, model)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        config = PipelineConfig(checkpoint_path=f"{folder}/best.pt", device="cpu")
        result = run_pipeline(config)
        for row in result.history:
            print(f"epoch {row['epoch']:2d}: lr {row['lr']:.4f}  train {row['train_loss']:.4f}  "
                  f"val {row['val_loss']:.4f}  acc {row['val_acc']:.2f}")
        print(f"stopped after {len(result.history)} epochs; best epoch {result.best_epoch} "
              f"with val_loss {result.best_metric:.4f}, restored from {result.checkpoint_path.name}")
