"""Level 08 references against PyTorch itself: freezing, two-stage training, the script.

Stage 2 is checked against a hand-written head-only loop over features that a frozen
backbone computes in eval mode; the script's statistics against `Tensor.mean`/`Tensor.std`
over the training part of level 07's split.
"""

import copy
import json
import tempfile
from pathlib import Path

import torch
from torch import nn

from clean_reference.l05_intermediate.backbone_head import Classifier
from clean_reference.l07_industry.reproducibility import split_dataset
from clean_reference.l08_cumulative.end_to_end import main
from clean_reference.l08_cumulative.two_stage import freeze, two_stage_train

CPU = torch.device("cpu")


def _batches(seed: int, sizes: list[int]) -> list:
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randn(size, 5, generator=generator), torch.randint(0, 3, (size,), generator=generator))
            for size in sizes]


def test_freeze_turns_off_every_gradient_and_returns_the_module():
    model = Classifier(5, 8, 3)
    assert freeze(model.backbone) is model.backbone
    assert [p.requires_grad for p in model.backbone.parameters()] == [False] * 4
    assert all(p.requires_grad for p in model.head.parameters())
    assert model.backbone.training  # the mode is the caller's business


def test_stage2_equals_training_the_head_on_frozen_eval_features():
    torch.manual_seed(0)
    model = Classifier(5, 8, 3)
    train, val = _batches(0, [4, 4, 3]), _batches(1, [3])
    torch.manual_seed(1)
    before_stage2 = copy.deepcopy(model)
    two_stage_train(before_stage2, train, val, nn.CrossEntropyLoss(), CPU, 2, 0, weight_decay=0.01)
    torch.manual_seed(1)
    histories = two_stage_train(model, train, val, nn.CrossEntropyLoss(), CPU, 2, 3, weight_decay=0.01)

    # The oracle: stage 1 as above, then a plain head-only SGD loop on eval-mode features.
    expected = copy.deepcopy(before_stage2)
    expected.backbone.eval()
    optimizer = torch.optim.SGD(expected.head.parameters(), lr=0.01, weight_decay=0.01)
    for _ in range(3):
        for inputs, targets in train:
            with torch.no_grad():
                features = expected.backbone(inputs)  # (B, H)
            optimizer.zero_grad()
            nn.functional.cross_entropy(expected.head(features), targets).backward()
            optimizer.step()
    for (name, got), want in zip(model.state_dict().items(), expected.state_dict().values()):
        assert torch.allclose(got.float(), want.float(), atol=1e-6), name
    for name, value in before_stage2.backbone.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[name], value), f"stage 2 changed backbone {name}"
    assert not model.backbone.training
    assert [len(histories["stage1"]), len(histories["stage2"])] == [2, 3]
    assert [row["lr"] for row in histories["stage2"]] == [0.01] * 3
    assert [row["epoch"] for row in histories["stage2"]] == [0, 1, 2]


def test_stage2_optimizer_holds_the_head_only():
    built = []
    original = torch.optim.Optimizer.__init__

    def spy(optimizer, params, defaults):
        params = list(params)
        built.append({id(p) for p in params})
        original(optimizer, params, defaults)

    model = Classifier(5, 8, 3)
    torch.optim.Optimizer.__init__ = spy
    try:
        two_stage_train(model, _batches(0, [4]), _batches(1, [2]), nn.CrossEntropyLoss(), CPU, 1, 1)
    finally:
        torch.optim.Optimizer.__init__ = original
    assert built == [{id(p) for p in model.parameters()}, {id(p) for p in model.head.parameters()}]


def test_a_model_in_train_mode_with_no_stage1_keeps_its_batchnorm_statistics():
    model = Classifier(5, 8, 3).train()
    stats = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    two_stage_train(model, _batches(0, [4, 4]), _batches(1, [2]), nn.CrossEntropyLoss(), CPU, 0, 2)
    for name, value in model.backbone.state_dict().items():
        assert torch.equal(value, stats[name]), name


def test_script_writes_its_files_with_training_statistics():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(48, 3, generator=generator) * torch.tensor([1.0, 4.0, 0.1]) + 2.0  # (N, F)
    labels = torch.randint(0, 3, (48,), generator=generator)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.pt"
        torch.save({"features": features, "labels": labels}, data)
        out = Path(folder) / "a" / "b"
        main(["--out", str(out), "--data", str(data), "--epochs", "3", "--batch-size", "8",
              "--val-fraction", "0.25", "--seed", "3", "--device", "cpu"])
        assert sorted(p.name for p in out.iterdir()) == ["best.pt", "metrics.json"]
        report = json.loads((out / "metrics.json").read_text())
        torch.load(out / "best.pt", weights_only=True)
    train, _ = split_dataset(torch.utils.data.TensorDataset(features), 0.25, 3)
    expected = features[train.indices]
    assert torch.allclose(torch.tensor(report["feature_mean"]), expected.mean(dim=0), atol=1e-6)
    assert torch.allclose(torch.tensor(report["feature_std"]), expected.std(dim=0), atol=1e-6)
    assert report["epochs_run"] == len(report["history"]) == 3
    losses = [row["val_loss"] for row in report["history"]]
    assert report["best_epoch"] == losses.index(min(losses)) and report["best_val_loss"] == min(losses)
