"""Level 04, the classic series: each fixed script against PyTorch itself, and each classic
bug, served as the series documents it, failing visibly when its script is run."""

import json
import subprocess
import sys
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import mutators
from bughunt import catalog
from bughunt.learner import serving
from bughunt.variants import mutants
from clean_reference.l04_bug_finding import (
    bug_01_labels_dtype,
    bug_02_cat_dim,
    bug_03_device_mismatch,
    bug_04_eval_mode,
    bug_05_forward_shape,
    bug_06_inplace,
    bug_07_target_shape,
    bug_08_scheduler_step,
    bug_09_missing_zero_grad,
    bug_10_softmax_cross_entropy,
)


def classification(n: int = 12, features: int = 4, classes: int = 3, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, features, generator=generator), torch.randint(0, classes, (n,), generator=generator)


def loader(inputs: torch.Tensor, targets: torch.Tensor, size: int) -> list:
    return list(zip(inputs.split(size), targets.split(size)))


def linear(features: int, outputs: int, seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(features, outputs)


def sgd_by_hand(model: nn.Module, batches: list, loss_of, lr: float, epochs: int) -> list[list[float]]:
    """Plain gradient descent with torch.autograd.grad: the oracle for every training loop here."""
    history = []
    for _ in range(epochs):
        losses = []
        for inputs, targets in batches:
            loss = loss_of(model(inputs), targets)
            grads = torch.autograd.grad(loss, list(model.parameters()))
            with torch.no_grad():
                for parameter, grad in zip(model.parameters(), grads):
                    parameter -= lr * grad
            losses.append(loss.item())
        history.append(losses)
    return history


# 1 labels dtype
def test_split_table_gives_int64_labels_that_cross_entropy_accepts():
    table = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, 0.0], [-0.5, 2.0, 1.0]])
    before = table.clone()
    features, labels = bug_01_labels_dtype.split_table(table)
    assert labels.dtype == torch.int64 and labels.tolist() == [2, 0, 1]
    assert torch.equal(features, table[:, :2]) and torch.equal(table, before)
    F.cross_entropy(torch.zeros(3, 3), labels)  # accepted as class indices


def test_labels_train_is_full_batch_gradient_descent():
    inputs, labels = classification()
    model, oracle = linear(4, 3), linear(4, 3)
    losses = bug_01_labels_dtype.train(model, inputs, labels, epochs=4, lr=0.5)
    expected = sgd_by_hand(oracle, [(inputs, labels)], F.cross_entropy, 0.5, 4)
    assert losses == pytest.approx([row[0] for row in expected], rel=1e-5)
    torch.testing.assert_close(model.weight, oracle.weight)


# 2 cat dim
def test_fusion_is_a_linear_map_of_the_hstacked_features():
    model = bug_02_cat_dim.FusionClassifier(4, 2, 3)
    image, text = torch.randn(5, 4), torch.randn(5, 2)
    expected = F.linear(torch.hstack([image, text]), model.linear.weight, model.linear.bias)
    torch.testing.assert_close(model(image, text), expected)
    torch.testing.assert_close(model(image[:1], text[:1]), expected[:1])  # each sample on its own


# 3 device mismatch
def test_train_step_matches_cross_entropy_and_clears_stale_gradients():
    inputs, targets = classification(6)
    model, oracle = linear(4, 3), linear(4, 3)
    for parameter in model.parameters():
        parameter.grad = torch.full_like(parameter, 5.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    loss = bug_03_device_mismatch.train_step(model, (inputs, targets), optimizer, nn.CrossEntropyLoss(),
                                             torch.device("cpu"))
    (expected,) = sgd_by_hand(oracle, [(inputs, targets)], F.cross_entropy, 0.3, 1)
    assert not loss.requires_grad and loss.item() == pytest.approx(expected[0])
    torch.testing.assert_close(model.weight, oracle.weight)


def test_train_step_moves_a_cpu_batch_to_the_models_device():
    model = nn.Linear(4, 3).to("meta")  # meta refuses CPU tensors, as a GPU does
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batch = (torch.randn(2, 4), torch.tensor([0, 2]))
    loss = bug_03_device_mismatch.train_step(model, batch, optimizer, nn.CrossEntropyLoss(), torch.device("meta"))
    assert loss.device.type == "meta" and loss.shape == ()


# 4 forgetting eval()
def test_evaluate_is_eval_mode_accuracy_and_changes_nothing():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))
    model(torch.randn(16, 4) * 3)  # move the running statistics
    inputs, targets = classification(10)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    accuracy = bug_04_eval_mode.evaluate(model, loader(inputs, targets, 4))
    model.eval()
    with torch.no_grad():
        expected = (model(inputs).argmax(dim=1) == targets).double().mean().item()
    assert accuracy == pytest.approx(expected) and isinstance(accuracy, float)
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    assert bug_04_eval_mode.evaluate(model, loader(inputs, targets, 3)) == accuracy


# 5 wrong shape in forward
@pytest.mark.parametrize("batch, height, width", [(3, 6, 4), (1, 5, 7)])
def test_small_cnn_matches_the_functional_pipeline(batch, height, width):
    model = bug_05_forward_shape.SmallCNN(2, 3, height, width)
    images = torch.randn(batch, 2, height, width)
    features = F.max_pool2d(F.relu(F.conv2d(images, model.conv.weight, model.conv.bias, padding=1)), 2)
    expected = F.linear(features.reshape(batch, -1), model.linear.weight, model.linear.bias)
    torch.testing.assert_close(model(images), expected)
    assert model(images).shape == (batch, 3)


# 6 in-place op
def test_residual_classifier_forward_and_gradients():
    model = bug_06_inplace.ResidualClassifier(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    layer = model.block[0]
    expected = model.head(torch.relu(F.linear(x, layer.weight, layer.bias)) + x)
    torch.testing.assert_close(model(x), expected)
    assert torch.autograd.gradcheck(model, (x,))
    assert torch.equal(x, x.detach().clone())


# 7 target shape
def test_regression_loss_is_mse_with_matching_shapes():
    model = linear(3, 1)
    inputs, targets = torch.randn(5, 3), torch.randn(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no broadcasting warning
        loss = bug_07_target_shape.regression_loss(model, inputs, targets)
    torch.testing.assert_close(loss, nn.MSELoss()(model(inputs), targets.unsqueeze(1)))


def test_regression_train_recovers_a_linear_rule():
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(50, 2, generator=generator)
    targets = inputs @ torch.tensor([1.5, -0.5]) + 0.3
    model = linear(2, 1)
    losses = bug_07_target_shape.train(model, inputs, targets, epochs=300, lr=0.1)
    assert losses[-1] < 1e-4 < losses[0]
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[1.5, -0.5]]), atol=1e-2, rtol=0)


# 8 scheduler step
def test_learning_rates_follow_step_lr_once_per_epoch():
    inputs, targets = classification(12)
    model = linear(4, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.8)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    history = bug_08_scheduler_step.train(model, loader(inputs, targets, 4), optimizer, scheduler,
                                          nn.CrossEntropyLoss(), epochs=5)
    assert [row["epoch"] for row in history] == [0, 1, 2, 3, 4]
    assert [row["lr"] for row in history] == [0.8, 0.8, 0.4, 0.4, 0.2]
    oracle = linear(4, 3)
    expected = [sum(row) / 3 for row in sgd_by_hand(oracle, loader(inputs, targets, 4), F.cross_entropy, 0.8, 1)]
    assert history[0]["loss"] == pytest.approx(expected[0], rel=1e-5)


# 9 missing zero_grad
def test_each_step_uses_its_own_batch_gradient():
    generator = torch.Generator().manual_seed(1)
    inputs, targets = torch.randn(10, 3, generator=generator), torch.randn(10, 2, generator=generator)
    model, oracle = linear(3, 2), linear(3, 2)
    for parameter in model.parameters():
        parameter.grad = torch.ones_like(parameter)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = bug_09_missing_zero_grad.train(model, loader(inputs, targets, 4), optimizer, nn.MSELoss(), epochs=2)
    expected = sgd_by_hand(oracle, loader(inputs, targets, 4), F.mse_loss, 0.1, 2)
    assert history == pytest.approx([sum(row) / len(row) for row in expected], rel=1e-5)
    torch.testing.assert_close(model.weight, oracle.weight)


# 10 softmax before CrossEntropyLoss
def test_cross_entropy_is_taken_of_the_raw_logits():
    inputs, targets = classification(12)
    model, oracle = linear(4, 3), linear(4, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    history = bug_10_softmax_cross_entropy.train(model, loader(inputs, targets, 5), optimizer, epochs=3)
    expected = sgd_by_hand(oracle, loader(inputs, targets, 5), F.cross_entropy, 0.5, 3)
    assert history == pytest.approx([sum(row) / len(row) for row in expected], rel=1e-5)
    torch.testing.assert_close(model.bias, oracle.bias)


# The series as served: each documented bug, run as a script, fails the way the series says.
LOUD_FAILURES = {
    1: "expected target dtype to be Long",
    2: "Sizes of tensors must match",
    3: "is not on the expected device",
    5: "shapes cannot be multiplied",
    6: "modified by an inplace operation",
}
SILENT_SIGNS = {  # what the learner sees in the served script's output instead of the fixed one's
    4: "evaluating changed the BatchNorm statistics: True",
    7: "Using a target size",
    8: "epoch 1: lr 0.12500",
    10: "epoch 199: mean loss 0.5",
}

# One interpreter runs every script as `__main__`, fixed and served, and reports what each
# printed, warned and raised: one torch import instead of twenty.
_DRIVER = """
import contextlib, io, json, runpy, sys, warnings
report = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            runpy.run_path(path, run_name="__main__")
            error = ""
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
    report[path] = {"stdout": out.getvalue(), "error": error, "warnings": [str(w.message) for w in caught]}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("classics")
    paths = []
    for scenario in serving.classics():
        buggy = mutants.make(scenario, mutators.parse_site(scenario.classic_site)).source
        for kind, source in (("fixed", scenario.reference_path.read_text()), ("served", buggy)):
            path = folder / kind / scenario.file_name
            path.parent.mkdir(exist_ok=True)
            path.write_text(source)
            paths.append(str(path))
    done = subprocess.run([sys.executable, "-c", _DRIVER, *paths], capture_output=True, text=True, timeout=600,
                          cwd=folder, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    return {(path.split("/")[-2], path.split("/")[-1]): value for path, value in report.items()}


def test_the_series_is_numbered_one_to_ten_in_play_order():
    series = serving.classics()
    assert [s.classic for s in series] == list(range(1, 11))
    assert [s.module_name for s in series] == [s.module_name for s in catalog.resolve("04")]
    for scenario in series:
        assert scenario.classic_site in {site.id for site in mutants.sites_of(scenario)}
        assert scenario.module_name.startswith(f"bug_{scenario.classic:02d}_")


@pytest.mark.parametrize("scenario", serving.classics(), ids=lambda s: f"classic-{s.classic}")
def test_a_served_classic_shows_its_failure_when_run(scenario, runs):
    fixed, served = runs[("fixed", scenario.file_name)], runs[("served", scenario.file_name)]
    assert not fixed["error"] and not fixed["warnings"] and fixed["stdout"].strip(), fixed
    if scenario.classic in LOUD_FAILURES:
        assert LOUD_FAILURES[scenario.classic] in served["error"], served
    else:
        assert not served["error"] and served["stdout"] != fixed["stdout"]
        sign = SILENT_SIGNS.get(scenario.classic)  # classic 9 has a test of its own, below
        if sign is not None:
            assert sign in served["stdout"] + "\n".join(served["warnings"]) and sign not in fixed["stdout"], served


def test_missing_zero_grad_shows_as_a_loss_that_stops_falling(runs):
    def last_loss(run) -> float:
        return float(run["stdout"].strip().splitlines()[-1].rsplit(" ", 1)[1])
    fixed, served = (runs[(kind, "bug_09_missing_zero_grad.py")] for kind in ("fixed", "served"))
    assert last_loss(fixed) < 0.05 < 1.0 < last_loss(served)
