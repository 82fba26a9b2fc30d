"""Checkpoints: save a training run's state so that it can resume, and load it back.

A checkpoint holds state dicts, not objects: the model's parameters and buffers, the
optimizer's state (SGD's momentum, Adam's moment estimates and step counts, the learning
rate of each group), the epoch and the metrics. Plain tensors and numbers load with
`torch.load(..., weights_only=True)`, which runs no code from the file and does not care
where the model's class lives. The file is written next to its final name and renamed into
place: a crash halfway through a save leaves the previous checkpoint whole. Loading maps
every tensor to `map_location`, so a file saved on a GPU opens on a machine without one.

Shapes: whatever the model's and the optimizer's state dicts hold; nothing is reshaped.
"""

import os
from pathlib import Path

import torch
from torch import nn


def save_checkpoint(path, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
                    **metrics) -> None:
    """Save the state of a training run at `path` (a str or a Path), atomically.

    The file holds the model's and the optimizer's state dicts, `epoch` and every metric
    (`val_loss=0.4, val_acc=0.9`), and loads with `torch.load(path, weights_only=True)`.
    Atomic: the new file is complete before it takes the place of an existing one, so a
    save that fails halfway leaves the previous checkpoint at `path` untouched, and a save
    that succeeds leaves no other file behind.
    """
    path = Path(path)
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
             **metrics}
    # Same folder as the target, so that the rename below stays on one filesystem.
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)


def load_checkpoint(path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location="cpu") -> dict:
    """Restore a checkpoint written by `save_checkpoint` into `model` (and `optimizer`).

    Every tensor in the file is mapped to `map_location` as it loads, so a checkpoint saved
    on a GPU opens on a CPU-only machine. The model gets its weights back; the optimizer,
    when given, gets its state back, so that training resumes where it stopped. Returns a
    dict with `epoch` and every metric saved with it as top-level keys.
    """
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        optimizer.load_state_dict(checkpoint["optimizer"])
    return {key: value for key, value in checkpoint.items() if key not in ("model", "optimizer")}


if __name__ == "__main__":
    import tempfile

    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(8, 4)).pow(2).mean().backward()
    optimizer.step()  # momentum buffers now exist: they are part of the state to keep
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "last.pt"
        save_checkpoint(path, model, optimizer, epoch=3, val_loss=0.42, val_acc=0.9)
        print("files:", sorted(os.listdir(folder)))
        print("saved keys:", sorted(torch.load(path, weights_only=True)))
        fresh = nn.Linear(4, 2)
        fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.5, momentum=0.9)
        info = load_checkpoint(path, fresh, fresh_optimizer)
        print("returned:", info)
        print("weights restored:", torch.equal(fresh.weight, model.weight))
        print("learning rate restored:", fresh_optimizer.param_groups[0]["lr"])
