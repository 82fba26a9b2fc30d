"""A learner's pipeline: the checkpoint is written after every epoch, not only the best one,
so the model "restored" at the end is the last epoch's, under the best epoch's name."""

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from clean_reference.l01_data_processing.datasets import FeatureLabelDataset, make_loader
from clean_reference.l05_intermediate.backbone_head import Classifier
from clean_reference.l05_intermediate.checkpoint import load_checkpoint, save_checkpoint
from clean_reference.l05_intermediate.loops import train_one_epoch, validate
from clean_reference.l07_industry.early_stopping import EarlyStopping
from clean_reference.l07_industry.reproducibility import set_seed, split_dataset


@dataclass
class PipelineConfig:
    seed: int = 0
    dataset: object = None
    num_samples: int = 512
    in_features: int = 16
    num_classes: int = 4
    hidden_features: int = 64
    val_fraction: float = 0.2
    batch_size: int = 32
    epochs: int = 30
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 1e-4
    step_size: int = 10
    gamma: float = 0.5
    patience: int = 5
    min_delta: float = 1e-4
    checkpoint_path: str = "checkpoints/best.pt"
    device: str | None = None


@dataclass
class PipelineResult:
    best_epoch: int
    best_metric: float
    history: list
    checkpoint_path: Path
    model: nn.Module


def synthetic_dataset(num_samples, in_features, num_classes, seed):
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(num_samples, in_features, generator=generator)
    scores = torch.randn(in_features, num_classes, generator=generator)
    return FeatureLabelDataset(features, (features @ scores).argmax(dim=1))


def run_pipeline(config):
    set_seed(config.seed)
    device = torch.device(config.device or "cpu")
    dataset = config.dataset
    if dataset is None:
        dataset = synthetic_dataset(config.num_samples, config.in_features, config.num_classes, config.seed)
    train_set, val_set = split_dataset(dataset, config.val_fraction, config.seed)
    val_loader = make_loader(val_set, config.batch_size, shuffle=False)
    model = Classifier(config.in_features, config.hidden_features, config.num_classes).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, config.step_size, config.gamma)
    stopper = EarlyStopping(config.patience, config.min_delta)
    path = Path(config.checkpoint_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    history, best_epoch, best_metric = [], -1, math.inf
    for epoch in range(config.epochs):
        loader = make_loader(train_set, config.batch_size, seed=config.seed + epoch)
        lr = optimizer.param_groups[0]["lr"]
        train_loss = train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss(), device)
        val_loss, val_acc = validate(model, val_loader, nn.CrossEntropyLoss(), device)
        scheduler.step()
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_acc": val_acc, "lr": lr})
        if val_loss < best_metric:
            best_epoch, best_metric = epoch, val_loss
        save_checkpoint(path, model, optimizer, epoch, val_loss=val_loss)  # wrong: every epoch
        if stopper.step(val_loss):
            break
    load_checkpoint(path, model)
    return PipelineResult(best_epoch, best_metric, history, path, model)
