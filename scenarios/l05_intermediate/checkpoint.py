"""Checks for `save_checkpoint` and `load_checkpoint`: a run resumes exactly, the file holds
state dicts only, a GPU checkpoint opens on the CPU, and a failed save loses nothing.

Two situations are staged rather than found: a file "saved on a GPU" is an ordinary save
whose tensors are labelled `cuda:1` in the file (a torch.serialization tag, active only
during that save), and a save "fails halfway" twice over: once with a metric that cannot
be pickled (the file is already open when the error comes), once with a file-size limit
(RLIMIT_FSIZE) below the checkpoint's size, so the write itself fails mid-way as on a full
disk, whatever writes the bytes (torch.save's own writer, open().write, os.write). Each
observation runs alone in its process, so the limit touches no other file.
"""

import errno
import os
import resource
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device, plain
from scenarios._support import assert_same, assert_same_parameters, check, parameters, seeds

FEATURES, HIDDEN, CLASSES = 4, 5, 3
METRICS = ({}, {"val_loss": 0.25}, {"train_loss": 0.5, "val_loss": 0.3125, "val_acc": 0.75})
metrics = st.sampled_from(METRICS)
optimizers = st.sampled_from(["sgd", "adam"])
epochs = st.integers(0, 50)


def _model(seed: int) -> nn.Module:
    """A small classifier with BatchNorm buffers, its weights drawn from `seed` (never from
    the global RNG: the judge may compute several observations at once)."""
    model = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(),
                          nn.Linear(HIDDEN, CLASSES))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    return model.to(device())


def _optimizer(model: nn.Module, kind: str, lr: float) -> torch.optim.Optimizer:
    if kind == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, betas=(0.8, 0.9))
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def _train_step(model: nn.Module, optimizer: torch.optim.Optimizer, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(6, FEATURES, generator=generator).to(device())  # (B, F)
    targets = torch.randint(0, CLASSES, (6,), generator=generator).to(device())  # (B,)
    model.train()
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(inputs), targets).backward()
    optimizer.step()


def _trained(seed: int, kind: str) -> tuple[nn.Module, torch.optim.Optimizer]:
    """A model two steps into training: its optimizer has state worth keeping."""
    model = _model(seed)
    optimizer = _optimizer(model, kind, lr=0.05)
    for step in range(2):
        _train_step(model, optimizer, seed + step)
    return model, optimizer


def _fresh(seed: int, kind: str) -> tuple[nn.Module, torch.optim.Optimizer]:
    """Another model and optimizer, as a new process would build them before loading."""
    model = _model(seed + 100)
    return model, _optimizer(model, kind, lr=0.7)


def _weights(model: nn.Module) -> dict:
    return {name: plain(value).double() for name, value in model.state_dict().items()}


def _optimizer_state(optimizer: torch.optim.Optimizer) -> dict:
    saved = optimizer.state_dict()
    state = {str(index): {key: plain(value) if isinstance(value, torch.Tensor) else value
                          for key, value in entry.items()}
             for index, entry in saved["state"].items()}
    groups = [{key: value for key, value in group.items()
               if key in ("lr", "momentum", "betas", "weight_decay")} for group in saved["param_groups"]]
    return {"state": state, "groups": groups}


def _value(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return f"a {type(value).__name__}"


def _returned(info, epoch: int, saved_metrics: dict):
    """The part of load_checkpoint's result the contract fixes: epoch and each metric."""
    if not isinstance(info, dict):
        return _value(info)
    return {key: _value(info[key]) if key in info else "missing" for key in ["epoch", *saved_metrics]}


def _path(folder: str, as_text: bool):
    path = Path(folder) / "run.pt"
    return str(path) if as_text else path


def _same_returned(got, expected) -> None:
    assert isinstance(got, dict), f"load_checkpoint should return a dict, got {got}"
    for key, want in expected.items():
        assert got[key] != "missing", f"load_checkpoint's result has no {key!r} key"
        assert type(got[key]) is type(want) and got[key] == want, (
            f"load_checkpoint's result has {key}={got[key]!r}; it was saved as {want!r}")


def _same_resume(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    _same_returned(got["returned"], expected["returned"])
    assert_same_parameters(got["weights"], expected["weights"], "the loaded model's weights and buffers")
    assert_same(got["optimizer"], expected["optimizer"], "the loaded optimizer's state")
    assert_same_parameters(got["resumed"], expected["resumed"], "the weights one step after resuming")


@check("a run resumed from a checkpoint does not continue where it stopped",
       given=dict(seed=seeds, kind=optimizers, epoch=epochs, metrics=metrics, as_text=st.booleans()),
       examples=[dict(seed=0, kind="sgd", epoch=3, metrics=METRICS[2], as_text=False),
                 dict(seed=1, kind="adam", epoch=0, metrics=METRICS[0], as_text=True)],
       compare=_same_resume)
def resume(module, seed, kind, epoch, metrics, as_text):
    model, optimizer = _trained(seed, kind)
    with tempfile.TemporaryDirectory() as folder:
        path = _path(folder, as_text)
        module.save_checkpoint(path, model, optimizer, epoch, **metrics)
        fresh, fresh_optimizer = _fresh(seed, kind)
        info = module.load_checkpoint(path, fresh, fresh_optimizer)
    seen = {"returned": _returned(info, epoch, metrics), "weights": _weights(fresh),
            "optimizer": _optimizer_state(fresh_optimizer)}
    _train_step(fresh, fresh_optimizer, seed + 2)
    seen["resumed"] = parameters(fresh)
    return seen


def _opens(got, expected, **example):
    assert isinstance(got, dict), f"the observation is {got!r}"
    assert got["error"] is None, (
        f"the checkpoint file does not open with torch.load(path, weights_only=True) ({got['error']}): "
        "it should hold state dicts, tensors and numbers, not pickled objects")
    assert got["kind"] == expected["kind"], f"the checkpoint file holds {got['kind']}, not a dict"


@check("the checkpoint file cannot be opened safely with torch.load(path, weights_only=True)",
       given=dict(seed=seeds, kind=optimizers, metrics=metrics),
       examples=[dict(seed=2, kind="sgd", metrics=METRICS[1])], compare=_opens, max_examples=4)
def opens_with_weights_only(module, seed, kind, metrics):
    model, optimizer = _trained(seed, kind)
    with tempfile.TemporaryDirectory() as folder:
        path = _path(folder, False)
        module.save_checkpoint(path, model, optimizer, 1, **metrics)
        try:
            loaded = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # noqa: BLE001 - what the file holds is the observation
            return {"error": f"{type(error).__name__}: {str(error)[:200]}", "kind": None}
    return {"error": None, "kind": type(loaded).__name__}


# A file "saved on a GPU": while the flag is up, CPU tensors are written with the location
# tag cuda:1, exactly as a second GPU would write them. Loading such a file without
# map_location asks for that GPU.
_gpu_save = threading.local()
_tag_registered: list[bool] = []


def _tag_as_gpu(storage):
    if getattr(_gpu_save, "on", False) and storage.device.type == "cpu":
        return "cuda:1"
    return None


def _restore_nothing(storage, location):
    return None  # the real deserializers decide


@contextmanager
def _saved_on_gpu():
    if not _tag_registered:
        torch.serialization.register_package(0, _tag_as_gpu, _restore_nothing)
        _tag_registered.append(True)
    _gpu_save.on = True
    try:
        yield
    finally:
        _gpu_save.on = False


def _same_gpu_load(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    _same_returned(got["returned"], expected["returned"])
    assert got["devices"] == expected["devices"], (
        f"after loading, the model's tensors live on {got['devices']}, expected {expected['devices']}")
    assert_same_parameters(got["weights"], expected["weights"], "the loaded model's weights and buffers")


@check("a checkpoint saved on a GPU does not load into a model on this machine without an optimizer",
       given=dict(seed=seeds, kind=optimizers, epoch=epochs, metrics=metrics,
                  map_location=st.sampled_from(["default", "cpu", "device"])),
       examples=[dict(seed=3, kind="sgd", epoch=7, metrics=METRICS[1], map_location="default")],
       compare=_same_gpu_load, max_examples=6)
def loads_gpu_checkpoint(module, seed, kind, epoch, metrics, map_location):
    model, optimizer = _trained(seed, kind)
    with tempfile.TemporaryDirectory() as folder:
        path = _path(folder, False)
        with _saved_on_gpu():
            module.save_checkpoint(path, model, optimizer, epoch, **metrics)
        fresh = _model(seed + 100)
        if map_location == "default":
            info = module.load_checkpoint(path, fresh)
        else:
            where = torch.device("cpu") if map_location == "device" else "cpu"
            info = module.load_checkpoint(path, fresh, None, where)
    return {"returned": _returned(info, epoch, metrics), "weights": _weights(fresh),
            "devices": sorted({value.device.type for value in fresh.state_dict().values()})}


class _DiskFull:
    """A metric that cannot be written: saving it fails the way a full disk does."""

    def __reduce_ex__(self, protocol):
        raise OSError(errno.ENOSPC, "No space left on device")

    def __float__(self):
        raise OSError(errno.ENOSPC, "No space left on device")


@contextmanager
def _disk_fills_after(size: int):
    """Every write that takes a file past `size` bytes fails (EFBIG, an OSError) until the end."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Unignored, SIGXFSZ kills the process. The runner ignores it for good (its observations
    # run outside the main thread, where no handler can be set); pytest in a variant folder
    # runs this on the main thread, which sets it here.
    ignored = None
    if signal.getsignal(signal.SIGXFSZ) is not signal.SIG_IGN:
        ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (min(size, hard) if hard != resource.RLIM_INFINITY else size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        if ignored is not None:
            signal.signal(signal.SIGXFSZ, ignored)


def _reload(module, path, seed):
    """What a fresh model gets from the checkpoint at `path`: its epoch and weights, or the error."""
    fresh = _model(seed + 100)
    try:
        info = module.load_checkpoint(path, fresh)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - a destroyed file is the observation
        return f"{type(error).__name__}: {str(error)[:160]}"
    epoch = _value(info.get("epoch")) if isinstance(info, dict) else _value(info)
    return {"epoch": epoch, "weights": _weights(fresh)}


def _survives(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    assert got["listing"] == expected["listing"], (
        f"after a save over an existing checkpoint the folder holds {got['listing']}; "
        f"a finished save leaves only {expected['listing']}")
    for how in ("pickling", "writing"):
        after, want = got[how], expected[how]
        assert not isinstance(after, str), (
            f"a save that failed halfway ({how} the file, as on a full disk) destroyed the previous "
            f"checkpoint: it no longer loads ({after})")
        assert isinstance(after, dict), f"the observation is {after!r}"
        assert after["epoch"] == want["epoch"], (
            f"after a save that failed halfway ({how}) the checkpoint holds epoch {after['epoch']!r}; "
            f"the previous, complete checkpoint had epoch {want['epoch']!r}")
        assert_same_parameters(after["weights"], want["weights"],
                               f"after a failed save ({how}), the checkpoint's weights")


@check("a save that fails halfway destroys the previous checkpoint, or a save leaves stray files",
       given=dict(seed=seeds, kind=optimizers, as_text=st.booleans()),
       examples=[dict(seed=4, kind="adam", as_text=False)], compare=_survives, max_examples=6)
def atomic_save(module, seed, kind, as_text):
    model, optimizer = _trained(seed, kind)
    with tempfile.TemporaryDirectory() as folder:
        path = _path(folder, as_text)
        module.save_checkpoint(path, model, optimizer, 1, val_loss=0.5)
        _train_step(model, optimizer, seed + 5)
        module.save_checkpoint(path, model, optimizer, 2, val_loss=0.25)  # over the first
        listing = sorted(os.listdir(folder))
        _train_step(model, optimizer, seed + 6)
        try:
            module.save_checkpoint(path, model, optimizer, 3, val_loss=_DiskFull())
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001 - the staged failure; what is left at path is the point
            pass
        after_pickling = _reload(module, path, seed)
        module.save_checkpoint(path, model, optimizer, 4, val_loss=0.125)  # the one to keep
        _train_step(model, optimizer, seed + 7)
        try:
            with _disk_fills_after(os.path.getsize(path) // 2):
                module.save_checkpoint(path, model, optimizer, 5, val_loss=0.0625)
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001 - the staged failure, as above
            pass
        after_writing = _reload(module, path, seed)
    return {"listing": listing, "pickling": after_pickling, "writing": after_writing}


CHECKS = (resume, opens_with_weights_only, loads_gpu_checkpoint, atomic_save)
