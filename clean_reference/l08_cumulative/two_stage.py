"""Two-stage training: train the whole model, then freeze the backbone and tune the head.

The standard transfer-learning recipe. Stage 1 trains backbone and head together. Stage 2
freezes the backbone and trains the head alone, with a smaller learning rate: a frozen
backbone is a fixed feature extractor. Frozen means three things at once: its parameters
stop requiring gradients, the optimizer only holds the head's parameters, and the backbone
runs in eval mode, so that BatchNorm keeps the running statistics it learned in stage 1 and
Dropout stops dropping. Stage 2 therefore trains the head on the frozen backbone's
features, with level 05's loop.

Shapes: inputs (B, F) float32, targets (B,) int64, features (B, H), logits (B, C).
"""

import torch
from torch import nn

from clean_reference.l05_intermediate.loops import train_for_epochs


def freeze(module: nn.Module) -> nn.Module:
    """Stop `module` from learning: every one of its parameters gets requires_grad=False.
    Returns `module` itself, so that calls can be chained."""
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


class FrozenFeatures:
    """A loader's batches seen through a frozen backbone: `(features (B, H), targets (B,))`.

    Iterating runs the backbone on each batch of `loader` (moved to `device`) as the
    backbone's mode and parameters stand, so every pass follows the loader's order.
    """

    def __init__(self, backbone: nn.Module, loader, device: torch.device) -> None:
        self.backbone = backbone
        self.loader = loader
        self.device = device

    def __iter__(self):
        for inputs, targets in self.loader:
            features = self.backbone(inputs.to(self.device))  # (B, H): frozen, so no graph
            yield features, targets  # targets (B,) still where the loader put them


def two_stage_train(model: nn.Module, train_loader, val_loader, loss_fn: nn.Module,
                    device: torch.device, stage1_epochs: int, stage2_epochs: int,
                    stage1_lr: float = 0.1, stage2_lr: float = 0.01,
                    weight_decay: float = 0.0) -> dict[str, list[dict]]:
    """Train `model` (with `.backbone` and `.head`, on `device`) in two stages.

    Stage 1: `stage1_epochs` epochs of the whole model with
    `torch.optim.SGD(model.parameters(), lr=stage1_lr, weight_decay=weight_decay)`.
    Stage 2: the backbone is frozen (`freeze`) and put in eval mode, and `stage2_epochs`
    epochs train the head alone with a new `torch.optim.SGD` over the head's parameters
    only (`lr=stage2_lr`, the same weight_decay); the backbone's parameters and BatchNorm
    statistics do not change. Each stage runs level 05's `train_for_epochs` (no scheduler)
    and returns its history, the rows counting epochs from 0:
    `{"stage1": history, "stage2": history}`. The backbone stays frozen afterwards.
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=stage1_lr, weight_decay=weight_decay)
    stage1 = train_for_epochs(model, train_loader, val_loader, optimizer, loss_fn, device,
                              stage1_epochs)
    # Stage 2: the backbone is frozen; only the head learns.
    freeze(model.backbone).eval()
    head_parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(head_parameters, lr=stage2_lr, weight_decay=weight_decay)
    stage2 = train_for_epochs(model.head, FrozenFeatures(model.backbone, train_loader, device),
                              FrozenFeatures(model.backbone, val_loader, device),
                              optimizer, loss_fn, device, stage2_epochs)
    return {"stage1": stage1, "stage2": stage2}


if __name__ == "__main__":
    from clean_reference.l05_intermediate.backbone_head import Classifier

    torch.manual_seed(0)
    features = torch.randn(160, 8)  # (N, F)
    labels = (features[:, 0] - features[:, 1] > 0).long()  # (N,) a learnable rule
    data = torch.utils.data.TensorDataset(features, labels)
    train_set, val_set = torch.utils.data.random_split(data, [128, 32])
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=16, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=16)
    model = Classifier(in_features=8, hidden_features=32, num_classes=2)
    histories = two_stage_train(model, train_loader, val_loader, nn.CrossEntropyLoss(),
                                torch.device("cpu"), stage1_epochs=3, stage2_epochs=3)
    for stage, history in histories.items():
        for row in history:
            print(f"{stage} epoch {row['epoch']}: lr {row['lr']:.2f}  train {row['train_loss']:.4f}  "
                  f"val {row['val_loss']:.4f}  acc {row['val_acc']:.2f}")
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    print("frozen:", frozen, "| backbone in train mode:", model.backbone.training)
