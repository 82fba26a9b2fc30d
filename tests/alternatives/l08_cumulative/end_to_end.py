"""The end-to-end script with a dataclass-driven configuration and `torch.var_mean`."""

import argparse
import dataclasses
import json
import pathlib

import torch

from clean_reference.l01_data_processing.datasets import FeatureLabelDataset
from clean_reference.l07_industry import pipeline
from clean_reference.l07_industry.reproducibility import split_dataset

OPTIONS = {  # option -> (type, default, PipelineConfig field or None)
    "--seed": (int, 0, "seed"), "--samples": (int, 512, None), "--features": (int, 16, None),
    "--classes": (int, 4, None), "--epochs": (int, 30, "epochs"), "--batch-size": (int, 32, "batch_size"),
    "--lr": (float, 0.05, "lr"), "--val-fraction": (float, 0.2, "val_fraction"),
    "--patience": (int, 5, "patience"), "--device": (str, None, "device"),
}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--data", type=pathlib.Path)
    for flag, (kind, default, _) in OPTIONS.items():
        parser.add_argument(flag, type=kind, default=default)
    options = vars(parser.parse_args(argv))
    if options["data"]:
        blob = torch.load(options["data"], weights_only=True)
        x, y = blob["features"].float(), blob["labels"].long()
    else:
        raw = pipeline.synthetic_dataset(options["samples"], options["features"], options["classes"],
                                         options["seed"])
        x, y = raw.features, raw.labels
    classes = int(y.max()) + 1 if options["data"] else options["classes"]
    training, _ = split_dataset(FeatureLabelDataset(x, y), options["val_fraction"], options["seed"])
    rows = torch.stack([x[i] for i in training.indices])  # (N_train, F)
    variance, mean = torch.var_mean(rows, dim=0)  # unbiased by default
    std = variance.sqrt()
    overrides = {field: options[flag.lstrip("-").replace("-", "_")]
                 for flag, (_, _, field) in OPTIONS.items() if field}
    out = options["out"]
    out.mkdir(parents=True, exist_ok=True)
    config = dataclasses.replace(pipeline.PipelineConfig(), **overrides,
                                 dataset=FeatureLabelDataset((x - mean) / std, y), in_features=x.shape[1],
                                 num_classes=classes, checkpoint_path=str(out / "best.pt"))
    result = pipeline.run_pipeline(config)
    report = dict(best_epoch=result.best_epoch, best_val_loss=result.best_metric,
                  epochs_run=len(result.history), history=result.history,
                  feature_mean=mean.tolist(), feature_std=std.tolist())
    with open(out / "metrics.json", "w") as handle:
        json.dump(report, handle)
