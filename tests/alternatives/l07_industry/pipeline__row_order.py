"""The pipeline written by hand, its history rows built in an order of their own (the rate
and the scores first, the epoch last): "exactly these keys" leaves the order free.

No DataLoader, no StepLR object, no level 05 loops and no EarlyStopping class: the split
comes from `random_split`, each epoch's order from a generator seeded by (seed, epoch), the
rate from the closed form of StepLR, and the checkpoint is a dict of its own layout, written
through a temporary file.
"""

import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset, random_split

from clean_reference.l05_intermediate.backbone_head import Classifier


@dataclass
class PipelineConfig:
    seed: int = 0
    dataset: object = None
    num_samples: int = 300
    in_features: int = 10
    num_classes: int = 3
    hidden_features: int = 32
    val_fraction: float = 0.25
    batch_size: int = 16
    epochs: int = 20
    lr: float = 0.1
    momentum: float = 0.0
    weight_decay: float = 0.0
    step_size: int = 5
    gamma: float = 0.5
    patience: int = 3
    min_delta: float = 0.0
    checkpoint_path: str = "best.pt"
    device: str | None = None


@dataclass
class PipelineResult:
    best_epoch: int
    best_metric: float
    history: list
    checkpoint_path: Path
    model: nn.Module


def set_seed(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def split_dataset(dataset, val_fraction, seed):
    held_out = int(len(dataset) * val_fraction)
    parts = random_split(dataset, [len(dataset) - held_out, held_out],
                         generator=torch.Generator().manual_seed(seed))
    return parts[0], parts[1]


def synthetic_dataset(num_samples, in_features, num_classes, seed):
    generator = torch.Generator().manual_seed(seed)
    rule = torch.randn(num_classes, in_features, generator=generator)  # drawn first here
    x = torch.randn(num_samples, in_features, generator=generator)
    return TensorDataset(x, (x @ rule.T).argmax(dim=1))


def _stack(part):
    items = [part[i] for i in range(len(part))]
    return torch.stack([x for x, _ in items]), torch.stack([torch.as_tensor(y) for _, y in items])


def _save(path, model, epoch, val_loss):
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(handle)
    torch.save({"weights": model.state_dict(), "epoch": epoch, "val_loss": val_loss}, temporary)
    os.replace(temporary, path)


def run_pipeline(config):
    set_seed(config.seed)
    where = torch.device(config.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    data = config.dataset
    if data is None:
        data = synthetic_dataset(config.num_samples, config.in_features, config.num_classes, config.seed)
    train_part, val_part = split_dataset(data, config.val_fraction, config.seed)
    train_x, train_y = _stack(train_part)
    val_x, val_y = (t.to(where) for t in _stack(val_part))
    model = Classifier(config.in_features, config.hidden_features, config.num_classes).to(where)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                weight_decay=config.weight_decay)
    path = Path(config.checkpoint_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    history, best_epoch, best, watched, stale = [], None, None, None, 0
    for epoch in range(config.epochs):
        rate = config.lr * config.gamma ** (epoch // config.step_size)
        for group in optimizer.param_groups:
            group["lr"] = rate
        shuffler = torch.Generator().manual_seed(config.seed * 7919 + epoch)
        order = torch.randperm(len(train_y), generator=shuffler)
        model.train()
        seen = 0.0
        for start in range(0, len(order), config.batch_size):
            chosen = order[start:start + config.batch_size]
            x, y = train_x[chosen].to(where), train_y[chosen].to(where)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            seen += loss.item() * len(chosen)
        model.eval()
        with torch.no_grad():
            logits = model(val_x)
            val_loss = F.cross_entropy(logits, val_y).item()
            val_acc = (logits.argmax(dim=1) == val_y).float().mean().item()
        history.append(dict(lr=rate, val_acc=val_acc, val_loss=val_loss, train_loss=seen / len(order),
                            epoch=epoch))
        if best is None or val_loss < best:
            best_epoch, best = epoch, val_loss
            _save(path, model, epoch, val_loss)
        if watched is None or val_loss < watched - config.min_delta:
            watched, stale = val_loss, 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    model.load_state_dict(torch.load(path, map_location=where, weights_only=True)["weights"])
    return PipelineResult(best_epoch, best, history, path, model)
