"""A correct checkpoint in the manner of many training scripts: torch.save to a sibling
"<name>.partial" file by path (torch's own writer), then os.rename over the target; a failed
save removes its partial file."""

import os

import torch


def save_checkpoint(path, model, optimizer, epoch, **metrics):
    path = os.fspath(path)
    partial = path + ".partial"
    payload = dict(metrics)
    payload.update(model=model.state_dict(), optimizer=optimizer.state_dict(), epoch=epoch)
    try:
        torch.save(payload, partial)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    os.rename(partial, path)


def load_checkpoint(path, model, optimizer=None, map_location="cpu"):
    payload = torch.load(os.fspath(path), map_location=map_location, weights_only=True)
    model.load_state_dict(payload["model"])
    if optimizer is not None:
        optimizer.load_state_dict(payload["optimizer"])
    return {k: v for k, v in payload.items() if k not in {"model", "optimizer"}}
