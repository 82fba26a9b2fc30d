"""A plausible wrong checkpoint: the state is serialised into memory first (so a pickling
error never touches the old file), then the bytes overwrite the old checkpoint in place. A
disk that fills up during that write leaves a truncated, unloadable file."""

import io
from pathlib import Path

import torch


def save_checkpoint(path, model, optimizer, epoch, **metrics):
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch, **metrics}, buffer)
    Path(path).write_bytes(buffer.getvalue())


def load_checkpoint(path, model, optimizer=None, map_location="cpu"):
    state = torch.load(path, map_location=map_location, weights_only=True)
    model.load_state_dict(state.pop("model"))
    optimizer_state = state.pop("optimizer")
    if optimizer is not None:
        optimizer.load_state_dict(optimizer_state)
    return state
