"""Checks for `freeze` and `two_stage_train`: the same training as a correct two-stage run,
a backbone that really stays fixed in stage 2, and a stage-2 optimizer over the head only.

The model is built here, with level 05's layout: `.backbone` = Linear, BatchNorm1d, ReLU,
Dropout and `.head` = Dropout then Linear, so that a backbone left in train mode shows twice
(its BatchNorm statistics move and its Dropout draws masks) and so does a head trained in
eval mode; a probe in the head records [autograd on?, training?] at every forward, compared
with a correct run's. Batches are host batches (a batch
left on the host refuses to meet the model), of at least two samples (BatchNorm in train
mode needs two). Every optimizer built during a run is recorded, with the names of the
parameters it was given.
"""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt import series
from bughunt.placement import device, host_batches
from scenarios._pictures import column, field
from scenarios._support import Loader, assert_same, assert_same_parameters, check, seeds

FEATURES, HIDDEN, CLASSES = 5, 6, 3
train_sizes = st.lists(st.integers(2, 6), min_size=1, max_size=3)


class Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(),
                                 nn.Dropout(0.3))

    def forward(self, x):
        return self.net(x)  # (B, H)


class _Probe(nn.Module):
    """Passes its input through, noting [autograd on?, training?] at every forward."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[bool]] = []

    def forward(self, x):
        self.calls.append([torch.is_grad_enabled(), self.training])
        return x


class TwoPart(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Sequential(_Probe(), nn.Dropout(0.2), nn.Linear(HIDDEN, CLASSES))

    def forward(self, x):
        return self.head(self.backbone(x))  # (B, C)


def _model(seed: int, mode: str) -> nn.Module:
    torch.manual_seed(seed)
    model = TwoPart().to(device())
    return model.train() if mode == "train" else model.eval()


def _batches(seed: int, sizes: list[int]) -> Loader:
    generator = torch.Generator().manual_seed(seed)
    return Loader(host_batches([(torch.randn(size, FEATURES, generator=generator) * 2 + 1,  # (B, F)
                                 torch.randint(0, CLASSES, (size,), generator=generator))  # (B,)
                                for size in sizes]))


def _train(module, model, seed, sizes, stage1, stage2, weight_decay=0.0):
    torch.manual_seed(seed)  # Dropout's masks
    return module.two_stage_train(model, _batches(seed, sizes), _batches(seed + 1, [3, 2]),
                                  nn.CrossEntropyLoss(), device(), stage1, stage2,
                                  stage1_lr=0.2, stage2_lr=0.05, weight_decay=weight_decay)


def _rows(history) -> list:
    return [{key: row[key] for key in sorted(row)} for row in history]


def _state(model) -> dict:
    return {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}


def _same_training(got, expected, **example):
    assert isinstance(got, dict) and set(got) == {"state", "stage1", "stage2"}, \
        "two_stage_train's result could not be observed"
    assert_same_parameters(got["state"], expected["state"],
                           "after both stages, the weights and BatchNorm statistics")
    for stage in ("stage1", "stage2"):
        assert_same(got[stage], expected[stage], f"the {stage} history", rtol=1e-4, atol=1e-5)


def _losses(got, expected, **example):
    def both(side):
        return column(field(side, "stage1"), "train_loss") + column(field(side, "stage2"), "train_loss")
    return [series.line("training loss per epoch: stage 1, then stage 2", "epoch", "training loss",
                        both(got), both(expected))]


@check("after two-stage training the model (weights or BatchNorm statistics) or the histories "
       "are not what a correct run gives",
       given=dict(seed=seeds, sizes=train_sizes, stage1=st.integers(0, 2), stage2=st.integers(1, 2),
                  weight_decay=st.sampled_from([0.0, 0.1]), mode=st.sampled_from(["train", "eval"])),
       examples=[dict(seed=0, sizes=[4, 3], stage1=0, stage2=2, weight_decay=0.0, mode="train"),
                 dict(seed=1, sizes=[5, 2], stage1=2, stage2=2, weight_decay=0.1, mode="eval")],
       compare=_same_training, max_examples=5, priority=80, draw=_losses)
def same_training(module, seed, sizes, stage1, stage2, weight_decay, mode):
    model = _model(seed, mode)
    histories = _train(module, model, seed, sizes, stage1, stage2, weight_decay)
    return {"state": _state(model), "stage1": _rows(histories["stage1"]),
            "stage2": _rows(histories["stage2"])}


class _Optimizers:
    """Records, for every optimizer built while active, the parameters it was given."""

    def __enter__(self):
        self.given, self._original = [], torch.optim.Optimizer.__init__
        original, given = self._original, self.given

        def spy(optimizer, params, *args, **kwargs):
            params = list(params) if not isinstance(params, torch.Tensor) else [params]
            given.append(params)
            original(optimizer, params, *args, **kwargs)

        torch.optim.Optimizer.__init__ = spy
        return self

    def __exit__(self, *exc):
        torch.optim.Optimizer.__init__ = self._original

    def names(self, model) -> list[list[str]]:
        by_id = {id(p): name for name, p in model.named_parameters()}
        found = []
        for params in self.given:
            tensors = []
            for item in params:
                group = item.get("params", []) if isinstance(item, dict) else item
                tensors += [group] if isinstance(group, torch.Tensor) else list(group)
            found.append(sorted(by_id.get(id(t), "a tensor that is not the model's") for t in tensors))
        return found


def _frozen(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "two_stage_train could not be observed"
    assert got["requires_grad"] == expected["requires_grad"], (
        "after two_stage_train, requires_grad is not False on every backbone parameter and True "
        "on every head parameter")
    assert got["backbone_modes"] == expected["backbone_modes"], "after two_stage_train the backbone is not in eval mode"
    forwards, want = got["head_forwards"], expected["head_forwards"]
    assert len(forwards) == len(want), \
        f"the head ran {len(forwards)} forward passes where a correct run makes {len(want)}"
    for k, (seen, right) in enumerate(zip(forwards, want)):
        assert seen[1] == right[1], (
            f"head forward pass {k + 1} ran in {'train' if seen[1] else 'eval'} mode; a correct run "
            f"makes it in {'train' if right[1] else 'eval'} mode (in stage 2 only the backbone is "
            "put in eval mode: the head trains with its Dropout on)")
    after, before = got["after"], got["only_stage1"]
    assert isinstance(after, dict) and isinstance(before, dict) and set(after) == set(before) \
        == set(expected["after"]), "the model's state could not be observed"
    for name in after:
        changed = not torch.equal(after[name], before[name])
        if name.startswith("backbone."):
            assert not changed, f"stage 2 changed the backbone (its weights or BatchNorm statistics): {name!r}"
    assert any(not torch.equal(after[k], before[k]) for k in after if k.startswith("head.")), \
        "stage 2 did not change the head"
    optimizers = got["optimizers"]
    assert isinstance(optimizers, list) and len(optimizers) == len(expected["optimizers"]), (
        f"two_stage_train built {len(optimizers) if isinstance(optimizers, list) else '?'} "
        f"optimizers; one per stage is expected")
    assert optimizers[0] == expected["optimizers"][0], "the stage 1 optimizer does not hold every parameter"
    assert optimizers[1] == expected["optimizers"][1], (
        f"the stage 2 optimizer holds {optimizers[1]}; it should hold the head's parameters "
        f"only: {expected['optimizers'][1]}")


@check("in stage 2 the backbone still changes, or the optimizer still holds the frozen backbone",
       given=dict(seed=seeds, sizes=train_sizes, stage1=st.integers(0, 2),
                  mode=st.sampled_from(["train", "eval"])),
       examples=[dict(seed=0, sizes=[4, 3], stage1=1, mode="train"),
                 dict(seed=2, sizes=[3, 3], stage1=0, mode="train")],
       compare=_frozen, max_examples=4, priority=20)
def frozen_in_stage2(module, seed, sizes, stage1, mode):
    model = _model(seed, mode)
    with _Optimizers() as optimizers:
        _train(module, model, seed, sizes, stage1, 2)
    only_stage1 = _model(seed, mode)
    _train(module, only_stage1, seed, sizes, stage1, 0)
    return {"requires_grad": [[name, p.requires_grad] for name, p in model.named_parameters()],
            "backbone_modes": [m.training for m in model.backbone.modules()],
            "head_forwards": model.head[0].calls,
            "after": _state(model), "only_stage1": _state(only_stage1),
            "optimizers": optimizers.names(model)}


def _frozen_module(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "freeze could not be observed"
    assert got["returns_it"] is True, "freeze(module) does not return the module it was given"
    assert got["requires_grad"] == expected["requires_grad"], \
        "freeze(module) does not set requires_grad=False on every parameter of the module"
    assert_same_parameters(got["values"], expected["values"], "after freeze, the parameters")


@check("freeze(module) leaves some parameter trainable, changes it, or does not return the module",
       given=dict(seed=seeds), examples=[dict(seed=0)], compare=_frozen_module, max_examples=3, priority=30)
def freezes_every_parameter(module, seed):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sequential(nn.Linear(4, 2)))
    returned = module.freeze(net)
    return {"returns_it": returned is net,
            "requires_grad": [p.requires_grad for p in net.parameters()],
            "values": {name: p.detach().clone() for name, p in net.named_parameters()}}


CHECKS = (same_training, frozen_in_stage2, freezes_every_parameter)
