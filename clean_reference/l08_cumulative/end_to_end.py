"""The whole job as one command-line script: data, split, standardise, train, save, report.

`python end_to_end.py --out runs/demo` wires the earlier levels together. The data comes
from a file (`--data`, a `torch.save`d dict with `features` (N, F) and `labels` (N,)) or
from level 07's synthetic set. Features are standardised with the mean and standard
deviation of the training samples alone: statistics taken from the whole set would let
every validation sample shape what the model trains on. Level 07's `run_pipeline` then
trains with early stopping and keeps the best checkpoint, and the script writes a JSON
report beside it, so that a run can be inspected, compared and reproduced later.

Shapes: features (N, F) float32, labels (N,) int64; the statistics are (F,) each.
"""

import argparse
import json
from pathlib import Path

import torch

from clean_reference.l01_data_processing.datasets import FeatureLabelDataset
from clean_reference.l07_industry.pipeline import PipelineConfig, run_pipeline, synthetic_dataset
from clean_reference.l07_industry.reproducibility import split_dataset


def build_parser() -> argparse.ArgumentParser:
    """The script's options; every one but `--out` has a default."""
    parser = argparse.ArgumentParser(description="Train a classifier end to end.")
    parser.add_argument("--out", required=True, help="folder for best.pt and metrics.json")
    parser.add_argument("--data", help="a .pt file holding {'features': (N, F), 'labels': (N,)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=512, help="synthetic set size")
    parser.add_argument("--features", type=int, default=16, help="synthetic features per sample")
    parser.add_argument("--classes", type=int, default=4, help="synthetic classes")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--device", default=None, help="cpu, cuda, ...; default: the best one")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run the whole pipeline as the options in `argv` (default: the command line) say.

    The samples are split exactly as `run_pipeline` will split them (level 07's
    `split_dataset` with `--val-fraction` and `--seed`); every feature is standardised as
    `(x - mean) / std` with the mean and the unbiased standard deviation over the training
    samples only. `run_pipeline` then runs with `seed`, `epochs`, `batch_size`, `lr`,
    `val_fraction`, `patience` and `device` from the options, the data's sizes (classes:
    `--classes`, or the largest label + 1 for `--data`), the other fields at their
    defaults, and `checkpoint_path` `<out>/best.pt`. `<out>/metrics.json` gets
    `best_epoch`, `best_val_loss`, `epochs_run`, `history` (the pipeline's rows),
    `feature_mean` and `feature_std` (lists of F floats). Nothing else is written to `<out>`.
    """
    args = build_parser().parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.data is not None:
        saved = torch.load(args.data, weights_only=True)
        raw = FeatureLabelDataset(saved["features"], saved["labels"])
        num_classes = int(raw.labels.max()) + 1
    else:
        raw = synthetic_dataset(args.samples, args.features, args.classes, args.seed)
        num_classes = args.classes
    features = raw.features  # (N, F)
    train_set, _ = split_dataset(raw, args.val_fraction, args.seed)  # the pipeline's own split
    train_features = features[train_set.indices]  # (N_train, F)
    mean, std = train_features.mean(dim=0), train_features.std(dim=0)  # (F,), (F,)
    dataset = FeatureLabelDataset((features - mean) / std, raw.labels)
    config = PipelineConfig(seed=args.seed, dataset=dataset, in_features=features.shape[1],
                            num_classes=num_classes, val_fraction=args.val_fraction,
                            batch_size=args.batch_size, epochs=args.epochs, lr=args.lr,
                            patience=args.patience, checkpoint_path=str(out / "best.pt"),
                            device=args.device)
    result = run_pipeline(config)
    metrics = {"best_epoch": result.best_epoch, "best_val_loss": result.best_metric,
               "epochs_run": len(result.history), "history": result.history,
               "feature_mean": mean.tolist(), "feature_std": std.tolist()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"{len(result.history)} epochs; best epoch {result.best_epoch} with val_loss "
          f"{result.best_metric:.4f}; wrote {out / 'best.pt'} and {out / 'metrics.json'}")


if __name__ == "__main__":
    import sys
    import tempfile

    if len(sys.argv) > 1:
        main()
    else:  # a demo run in a temporary folder
        with tempfile.TemporaryDirectory() as folder:
            main(["--out", folder, "--samples", "256", "--epochs", "12", "--device", "cpu"])
            report = json.loads((Path(folder) / "metrics.json").read_text())
            print("metrics.json keys:", sorted(report))
