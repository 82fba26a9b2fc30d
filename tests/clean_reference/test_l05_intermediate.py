"""Level 05 references against PyTorch itself: backbone and head, validation and the epoch
loop, checkpoints that resume, open with weights_only, survive a failed save."""

import copy
import errno
import os

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from clean_reference.l03_training.one_epoch import train_one_epoch
from clean_reference.l05_intermediate.backbone_head import Backbone, Classifier, Head
from clean_reference.l05_intermediate.checkpoint import load_checkpoint, save_checkpoint
from clean_reference.l05_intermediate.loops import train_for_epochs, validate

CPU = torch.device("cpu")


def batches(sizes, features=4, classes=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, features, generator=generator), torch.randint(0, classes, (n,), generator=generator))
            for n in sizes]


def bn_model(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.3), nn.Linear(6, 3))
    with torch.no_grad():
        model[1].running_mean.normal_()
        model[1].running_var.uniform_(0.5, 1.5)
    return model


# --- backbone_head ------------------------------------------------------------------------

def test_backbone_layers_and_names_are_the_pinned_ones():
    backbone = Backbone(3, 5, dropout=0.2)
    assert [type(layer) for layer in backbone.net] == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout]
    assert backbone.net[3].p == 0.2 and Backbone(3, 5).net[3].p == 0.5
    assert list(backbone.state_dict()) == [
        "net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias", "net.1.running_mean",
        "net.1.running_var", "net.1.num_batches_tracked"]


def test_backbone_in_eval_mode_is_linear_batchnorm_relu():
    torch.manual_seed(0)
    backbone = Backbone(3, 5).eval()
    with torch.no_grad():
        backbone.net[1].running_mean.normal_()
        backbone.net[1].running_var.uniform_(0.5, 2.0)
    x = torch.randn(4, 3)
    linear, norm = backbone.net[0], backbone.net[1]
    expected = F.relu(F.batch_norm(F.linear(x, linear.weight, linear.bias), norm.running_mean,
                                   norm.running_var, norm.weight, norm.bias, training=False))
    torch.testing.assert_close(backbone(x), expected)
    assert backbone(x[:1]).shape == (1, 5)


def test_backbone_dropout_is_on_in_train_mode_only():
    torch.manual_seed(0)
    backbone = Backbone(3, 16, dropout=0.5)
    x = torch.randn(8, 3)
    assert not torch.equal(backbone(x), backbone(x))
    backbone.eval()
    assert torch.equal(backbone(x), backbone(x))


@pytest.mark.parametrize("shape", [(1, 4), (3, 4), (1, 4, 1, 1), (2, 4, 1, 1)])
def test_head_is_one_linear_layer_for_any_batch(shape):
    torch.manual_seed(0)
    head = Head(4, 3)
    features = torch.randn(*shape)
    torch.testing.assert_close(head(features), F.linear(features.reshape(shape[0], 4), head.linear.weight,
                                                        head.linear.bias))
    assert head(features).shape == (shape[0], 3)


def test_classifier_is_head_after_backbone():
    torch.manual_seed(0)
    model = Classifier(3, 5, 2).eval()
    assert isinstance(model.backbone, Backbone) and isinstance(model.head, Head)
    x = torch.randn(4, 3)
    torch.testing.assert_close(model(x), model.head(model.backbone(x)))
    assert model(x[:1]).shape == (1, 2)
    assert model.backbone.net[3].p == 0.5


# --- loops --------------------------------------------------------------------------------

def test_validate_is_the_per_sample_mean_over_the_whole_set():
    model = bn_model()
    data = batches([4, 4, 1])
    inputs, targets = torch.cat([x for x, _ in data]), torch.cat([y for _, y in data])
    loss, accuracy = validate(model, data, nn.CrossEntropyLoss(), CPU)
    model.eval()
    with torch.no_grad():
        logits = model(inputs)
    assert isinstance(loss, float) and isinstance(accuracy, float)
    assert loss == pytest.approx(F.cross_entropy(logits, targets).item(), rel=1e-5)
    assert accuracy == pytest.approx((logits.argmax(1) == targets).double().mean().item())


def test_validate_changes_nothing_and_leaves_eval_mode():
    model = bn_model()
    model.train()
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    before = copy.deepcopy(model.state_dict())
    seen = []
    model[2].register_forward_hook(lambda *_: seen.append(torch.is_grad_enabled()))
    validate(model, batches([3, 2]), nn.CrossEntropyLoss(), CPU)
    assert seen == [False, False]
    assert not any(m.training for m in model.modules())
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert all(torch.equal(p.grad, torch.ones_like(p)) for p in model.parameters())


def test_history_matches_a_hand_written_loop_and_the_step_schedule():
    train, val = batches([4, 3, 2], seed=1), batches([3, 1], seed=2)
    runs = []
    for _ in range(2):
        model = bn_model(seed=3)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.4, momentum=0.5)
        runs.append((model, optimizer, torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)))
    (model, optimizer, scheduler), (twin, twin_optimizer, twin_scheduler) = runs
    torch.manual_seed(4)
    history = train_for_epochs(model, train, val, optimizer, nn.CrossEntropyLoss(), CPU, 5, scheduler)
    torch.manual_seed(4)
    expected = []
    for epoch in range(5):
        lr = twin_optimizer.param_groups[0]["lr"]
        train_loss = train_one_epoch(twin, train, twin_optimizer, nn.CrossEntropyLoss(), CPU)
        val_loss, val_acc = validate(twin, val, nn.CrossEntropyLoss(), CPU)
        twin_scheduler.step()
        expected.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc, "lr": lr})
    assert history == expected
    assert [row["lr"] for row in history] == pytest.approx([0.4, 0.4, 0.04, 0.04, 0.004])
    assert all(set(row) == {"epoch", "train_loss", "val_loss", "val_acc", "lr"} for row in history)
    assert [type(row["epoch"]) for row in history] == [int] * 5
    assert all(0.0 <= row["val_acc"] <= 1.0 for row in history)
    assert scheduler.last_epoch == 5
    for a, b in zip(model.parameters(), twin.parameters()):
        assert torch.equal(a, b)


def test_history_without_a_scheduler_keeps_the_rate():
    model = bn_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = train_for_epochs(model, batches([2, 2]), batches([2]), optimizer, nn.CrossEntropyLoss(), CPU, 3)
    assert [row["lr"] for row in history] == [0.1, 0.1, 0.1]
    assert [row["epoch"] for row in history] == [0, 1, 2]


# --- checkpoint ---------------------------------------------------------------------------

def trained(seed=0):
    model = bn_model(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for x, y in batches([4, 4], seed=seed):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model, optimizer


def test_checkpoint_round_trip_restores_model_optimizer_and_metrics(tmp_path):
    model, optimizer = trained()
    save_checkpoint(str(tmp_path / "c.pt"), model, optimizer, 4, val_loss=0.5, val_acc=0.75)
    fresh = bn_model(seed=9)
    fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=0.5)
    info = load_checkpoint(tmp_path / "c.pt", fresh, fresh_optimizer)
    assert info == {"epoch": 4, "val_loss": 0.5, "val_acc": 0.75}
    for name, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value)
    torch.testing.assert_close(fresh_optimizer.state_dict(), optimizer.state_dict())
    assert os.listdir(tmp_path) == ["c.pt"]


def test_checkpoint_file_holds_state_dicts_only(tmp_path):
    model, optimizer = trained()
    save_checkpoint(tmp_path / "c.pt", model, optimizer, 1)
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["epoch"] == 1 and isinstance(state["model"], dict)


def test_load_without_optimizer_maps_to_the_cpu(tmp_path):
    model, optimizer = trained()
    save_checkpoint(tmp_path / "c.pt", model, optimizer, 2)
    fresh = bn_model(seed=5)
    assert load_checkpoint(tmp_path / "c.pt", fresh, map_location=torch.device("cpu")) == {"epoch": 2}
    assert {t.device.type for t in fresh.state_dict().values()} == {"cpu"}


class DiskFull:
    def __reduce_ex__(self, protocol):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path):
    model, optimizer = trained()
    save_checkpoint(tmp_path / "c.pt", model, optimizer, 1)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path / "c.pt", model, optimizer, 2, broken=DiskFull())
    assert load_checkpoint(tmp_path / "c.pt", bn_model())["epoch"] == 1
