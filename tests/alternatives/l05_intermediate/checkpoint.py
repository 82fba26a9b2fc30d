"""A correct `checkpoint` written another way: mkstemp in the target folder, an fsync'd file
handle, Path.replace, nested metadata in the file, and cleanup when a save fails."""

import contextlib
import os
import tempfile
from pathlib import Path

import torch


def save_checkpoint(path, model, optimizer, epoch, **metrics):
    target = Path(os.fspath(path)).absolute()
    handle, scratch = tempfile.mkstemp(dir=target.parent, prefix=".saving-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            torch.save({"weights": model.state_dict(), "optim": optimizer.state_dict(),
                        "meta": {"epoch": epoch, "metrics": dict(metrics)}}, out)
            out.flush()
            os.fsync(out.fileno())
        Path(scratch).replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise


def load_checkpoint(path, model, optimizer=None, map_location="cpu"):
    where = torch.device(map_location) if isinstance(map_location, str) else map_location
    with open(path, "rb") as source:
        blob = torch.load(source, map_location=where, weights_only=True)
    model.load_state_dict(blob["weights"])
    if optimizer:
        optimizer.load_state_dict(blob["optim"])
    meta = blob["meta"]
    return dict(meta["metrics"], epoch=meta["epoch"])
