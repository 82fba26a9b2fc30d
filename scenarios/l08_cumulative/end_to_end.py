"""Checks for the end-to-end script: `main([...])` with a temporary `--out` folder.

Each observation writes a small data file (40 samples of 3 features on very different
scales, 3 classes), runs `main` with short training options, and reads back what the run
left in `--out`: the file names, the report in metrics.json and the checkpoint. The
training itself is level 07's pipeline, so a correct script reproduces the reference's
report to float tolerance.
"""

import contextlib
import io
import json
import tempfile
from pathlib import Path

import torch
from hypothesis import strategies as st

from bughunt.placement import device
from scenarios._support import assert_close, assert_same, check, finite, seeds

N, FEATURES, CLASSES, VAL_FRACTION = 40, 3, 3, 0.25
KEYS = ["best_epoch", "best_val_loss", "epochs_run", "feature_mean", "feature_std", "history"]


def _data(seed: int) -> dict:
    generator = torch.Generator().manual_seed(seed)
    scale, shift = torch.tensor([1.0, 5.0, 0.2]), torch.tensor([0.0, 10.0, -3.0])
    features = torch.randn(N, FEATURES, generator=generator) * scale + shift  # (N, F)
    return {"features": features, "labels": torch.randint(0, CLASSES, (N,), generator=generator)}


def _options(out, seed, epochs=3, data=None) -> list[str]:
    options = ["--out", str(out), "--seed", str(seed), "--epochs", str(epochs), "--batch-size", "8",
               "--lr", "0.2", "--val-fraction", str(VAL_FRACTION), "--patience", "2",
               "--device", str(device())]
    if data is not None:
        return options + ["--data", str(data)]
    return options + ["--samples", str(N), "--features", str(FEATURES), "--classes", str(CLASSES)]


def _run(module, folder, seed, name="run", synthetic=False, epochs=3):
    """Run main on the check's data (or the synthetic set); return the --out folder."""
    data = None
    if not synthetic:
        data = Path(folder) / f"data-{name}.pt"
        torch.save(_data(seed), data)
    out = Path(folder) / "runs" / name  # missing folders: main makes them
    with contextlib.redirect_stdout(io.StringIO()):  # the script's summary line is not data
        module.main(_options(out, seed, epochs, data))
    return out


def _report(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


def _outputs(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the run's outputs could not be observed"
    assert got["files"] == expected["files"], (
        f"the --out folder holds {got['files']}; a run should leave exactly {expected['files']}")
    assert got["keys"] == expected["keys"], f"metrics.json has the keys {got['keys']}, not {expected['keys']}"
    assert got["checkpoint_loads"], "best.pt does not load with torch.load(..., weights_only=True)"


@check("the run does not leave exactly best.pt and a metrics.json with the documented keys in --out",
       given=dict(seed=seeds, synthetic=st.booleans()), examples=[dict(seed=0, synthetic=False)],
       compare=_outputs, max_examples=2, priority=40)
def writes_its_outputs(module, seed, synthetic):
    with tempfile.TemporaryDirectory() as folder:
        out = _run(module, folder, seed, synthetic=synthetic)
        files = sorted(p.name for p in out.iterdir())
        keys = sorted(_report(out)) if (out / "metrics.json").is_file() else []
        try:
            torch.load(out / "best.pt", map_location="cpu", weights_only=True)
            loads = True
        except Exception:  # noqa: BLE001 - a missing or unsafe file is the finding
            loads = False
    return {"files": files, "keys": keys, "checkpoint_loads": loads}


def _statistics(got, expected, seed, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the feature statistics could not be observed"
    whole = _data(seed)["features"].mean(dim=0)  # (F,) over every sample, validation included
    assert not (isinstance(got["mean"], torch.Tensor) and got["mean"].shape == whole.shape
                and torch.allclose(got["mean"], whole, rtol=1e-5, atol=1e-5)), (
        "the features were standardised with statistics of the whole data set, validation samples included")
    for key, what in (("mean", "feature_mean"), ("std", "feature_std")):
        assert_close(got[key], expected[key], rtol=1e-5, atol=1e-5,
                     msg=lambda m, what=what: f"{what} is not the training samples' statistic: {m}")


@check("the features are not standardised with statistics of the training samples alone",
       given=dict(seed=seeds), examples=[dict(seed=0)], compare=_statistics, max_examples=2, priority=20)
def training_statistics(module, seed):
    with tempfile.TemporaryDirectory() as folder:
        report = _report(_run(module, folder, seed))
    mean = torch.tensor(report["feature_mean"], dtype=torch.float32)  # (F,)
    std = torch.tensor(report["feature_std"], dtype=torch.float32)  # (F,)
    return {"mean": mean, "std": std}


def _same_report(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(KEYS), "metrics.json could not be observed"
    assert_same(got, expected, "metrics.json", rtol=1e-4, atol=1e-5)


@check("the report does not describe the run the options ask for",
       given=dict(seed=seeds, synthetic=st.booleans(), epochs=st.integers(1, 4)),
       examples=[dict(seed=1, synthetic=False, epochs=4), dict(seed=2, synthetic=True, epochs=2)],
       compare=_same_report, max_examples=2, priority=80)
def reports_the_run(module, seed, synthetic, epochs):
    with tempfile.TemporaryDirectory() as folder:
        report = _report(_run(module, folder, seed, synthetic=synthetic, epochs=epochs))
    rows = [{key: row[key] for key in sorted(row)} for row in report["history"]]
    return {**{key: report[key] for key in KEYS}, "history": rows}


_REPLAY = {
    "same_report": "two runs with the same options write different metrics.json reports",
    "same_checkpoint": "two runs with the same options save different checkpoints",
}


def _replay_facts(raw) -> dict:
    (report_a, report_b), (flat_a, flat_b) = raw["reports"], raw["checkpoints"]
    return {"same_report": finite(report_a) and report_a == report_b,
            "same_checkpoint": len(flat_a) == len(flat_b) and all(torch.equal(x, y) for x, y in zip(flat_a, flat_b))}


def _replayed(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the two runs could not be observed"
    got, expected = _replay_facts(got), _replay_facts(expected)
    for key, message in _REPLAY.items():
        assert got[key] == expected[key], message


@check("running the script twice with the same options gives different results",
       given=dict(seed=seeds), examples=[dict(seed=0)], compare=_replayed, max_examples=1, priority=40)
def reproducible(module, seed):
    with tempfile.TemporaryDirectory() as folder:
        first, second = _run(module, folder, seed, "a"), _run(module, folder, seed, "b")
        a = torch.load(first / "best.pt", map_location="cpu", weights_only=True)
        b = torch.load(second / "best.pt", map_location="cpu", weights_only=True)
        reports = [_report(first), _report(second)]
    return {"reports": reports, "checkpoints": [_tensors(a), _tensors(b)]}


def _tensors(value) -> list:
    """Every tensor in a loaded checkpoint, in a fixed order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for key in sorted(value, key=str) for t in _tensors(value[key])]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    return []


CHECKS = (writes_its_outputs, training_statistics, reports_the_run, reproducible)
