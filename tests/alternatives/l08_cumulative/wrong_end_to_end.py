"""A learner's script: the standard deviation is the population one (NumPy's habit), not the
unbiased one the script promises."""

import argparse
import json
from pathlib import Path

import torch

from clean_reference.l01_data_processing.datasets import FeatureLabelDataset
from clean_reference.l07_industry.pipeline import PipelineConfig, run_pipeline, synthetic_dataset
from clean_reference.l07_industry.reproducibility import split_dataset


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.data:
        saved = torch.load(args.data, weights_only=True)
        raw = FeatureLabelDataset(saved["features"], saved["labels"])
        num_classes = int(raw.labels.max()) + 1
    else:
        raw = synthetic_dataset(args.samples, args.features, args.classes, args.seed)
        num_classes = args.classes
    train_set, _ = split_dataset(raw, args.val_fraction, args.seed)
    train_features = raw.features[train_set.indices]
    mean = train_features.mean(dim=0)
    std = train_features.std(dim=0, unbiased=False)  # wrong: the population std
    dataset = FeatureLabelDataset((raw.features - mean) / std, raw.labels)
    result = run_pipeline(PipelineConfig(
        seed=args.seed, dataset=dataset, in_features=raw.features.shape[1], num_classes=num_classes,
        val_fraction=args.val_fraction, batch_size=args.batch_size, epochs=args.epochs, lr=args.lr,
        patience=args.patience, checkpoint_path=str(out / "best.pt"), device=args.device))
    metrics = {"best_epoch": result.best_epoch, "best_val_loss": result.best_metric,
               "epochs_run": len(result.history), "history": result.history,
               "feature_mean": mean.tolist(), "feature_std": std.tolist()}
    (out / "metrics.json").write_text(json.dumps(metrics))
