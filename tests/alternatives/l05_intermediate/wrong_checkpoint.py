"""A plausible mistake: the temporary file is copied onto the checkpoint instead of renamed,
so every save leaves the temporary file behind (and the copy itself is not atomic)."""

import shutil
from pathlib import Path

import torch


def save_checkpoint(path, model, optimizer, epoch, **metrics):
    path = Path(path)
    temporary = path.parent / (path.name + ".partial")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
                **metrics}, temporary)
    shutil.copyfile(temporary, path)


def load_checkpoint(path, model, optimizer=None, map_location="cpu"):
    state = torch.load(path, map_location=map_location, weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    return {k: v for k, v in state.items() if k not in ("model", "optimizer")}
