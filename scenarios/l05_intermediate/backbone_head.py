"""Checks for `Backbone`, `Head` and `Classifier`: the pinned layers, their outputs, any batch.

Weights are loaded by the pinned names from a seeded generator, so the outputs of a correct
model equal the reference's exactly. Train-mode outputs are observed with every Dropout's
probability set to 0 (its masks would come from the global RNG, which the judge may share
between observations computed at once); the layout check pins Dropout's place and rate,
and one train-mode backward at the default rate shows that training works with Dropout
dropping (a Dropout that writes in place breaks backward only when p > 0). Its masks are
random, so that check compares where gradients arrive and that they are finite, not values.
"""

import torch
from hypothesis import strategies as st
from torch import nn

from bughunt.placement import device, plain
from scenarios._support import assert_same, check, finite, same, seeds

LAYERS = ["Linear", "BatchNorm1d", "ReLU", "Dropout"]
widths = st.integers(1, 6)
dropouts = st.sampled_from([None, 0.0, 0.2, 0.5])  # None: the constructor's default


def _linear_state(prefix: str, fan_in: int, fan_out: int, generator) -> dict:
    return {f"{prefix}weight": torch.randn(fan_out, fan_in, generator=generator),  # (out, in)
            f"{prefix}bias": torch.randn(fan_out, generator=generator)}  # (out,)


def _backbone_state(prefix: str, in_features: int, hidden: int, generator) -> dict:
    """A state dict for the pinned layout, every value drawn (running_var kept positive)."""
    state = _linear_state(f"{prefix}net.0.", in_features, hidden, generator)
    state[f"{prefix}net.1.weight"] = torch.rand(hidden, generator=generator) + 0.5
    state[f"{prefix}net.1.bias"] = torch.randn(hidden, generator=generator)
    state[f"{prefix}net.1.running_mean"] = torch.randn(hidden, generator=generator)
    state[f"{prefix}net.1.running_var"] = torch.rand(hidden, generator=generator) + 0.5
    state[f"{prefix}net.1.num_batches_tracked"] = torch.tensor(7)
    return state


def _loaded(model: nn.Module, state: dict) -> nn.Module:
    model.load_state_dict(state)
    return model.to(device())


def _inputs(generator, *shape) -> torch.Tensor:
    return torch.randn(*shape, generator=generator).to(device())


def _outputs(model: nn.Module, x: torch.Tensor) -> dict:
    """Eval-mode output, then (for B >= 2) a train-mode output and the buffers it leaves."""
    model.eval()
    seen = {"eval": plain(model(x))}
    if x.shape[0] >= 2:  # BatchNorm cannot train on a single sample
        for layer in model.modules():
            if isinstance(layer, nn.Dropout):
                layer.p = 0.0  # deterministic: BatchNorm's batch statistics are what is seen
        model.train()
        seen["train"] = plain(model(x))
        seen["buffers"] = {name: plain(buffer) for name, buffer in model.named_buffers()}
    return seen


def _layout(model: nn.Module) -> dict:
    net = getattr(model, "net", None)
    layers = [type(layer).__name__ for layer in net.children()] if isinstance(net, nn.Module) else None
    return {"layers": layers,
            "dropout": [layer.p for layer in model.modules() if isinstance(layer, nn.Dropout)],
            "state": {name: list(value.shape) for name, value in model.state_dict().items()}}


def _same_layout(got, expected, **example):
    assert isinstance(got, dict), f"the observation is {got!r}"
    assert got["layers"] == expected["layers"], (
        f"the backbone's `net` holds {got['layers']}; its layers are, in order, "
        f"{' -> '.join(expected['layers'])}")
    assert got["dropout"] == expected["dropout"], (
        f"the backbone's Dropout probabilities are {got['dropout']}, expected {expected['dropout']}")
    assert got["state"] == expected["state"], (
        f"the backbone's state dict has {got['state']} (name: shape), expected {expected['state']}")


@check("the backbone's layers are not Linear, BatchNorm1d, ReLU and Dropout, in that order",
       given=dict(in_features=widths, hidden=widths, dropout=dropouts),
       examples=[dict(in_features=3, hidden=5, dropout=None), dict(in_features=2, hidden=4, dropout=0.2)],
       compare=_same_layout)
def backbone_layout(module, in_features, hidden, dropout):
    backbone = module.Backbone(in_features, hidden) if dropout is None else \
        module.Backbone(in_features, hidden, dropout)
    return _layout(backbone)


def _same_outputs(what: str):
    def compare(got, expected, **example):
        assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
        assert_same(got["eval"], expected["eval"], f"{what} in eval mode")
        if "train" in expected:
            assert_same(got["train"], expected["train"], f"{what} in train mode")
            assert_same(got["buffers"], expected["buffers"], "the BatchNorm statistics after a training pass")
    return compare


@check("the backbone's features are not what its layers, in the pinned order, give",
       given=dict(seed=seeds, batch=st.integers(1, 5), in_features=widths, hidden=widths, dropout=dropouts),
       examples=[dict(seed=0, batch=4, in_features=3, hidden=5, dropout=0.5),
                 dict(seed=1, batch=1, in_features=2, hidden=3, dropout=None)],
       compare=_same_outputs("the features"))
def backbone_features(module, seed, batch, in_features, hidden, dropout):
    backbone = module.Backbone(in_features, hidden) if dropout is None else \
        module.Backbone(in_features, hidden, dropout)
    generator = torch.Generator().manual_seed(seed)
    _loaded(backbone, _backbone_state("", in_features, hidden, generator))
    return _outputs(backbone, _inputs(generator, batch, in_features))


@check("the head does not give one row of logits per sample (a batch of one included)",
       given=dict(seed=seeds, batch=st.integers(1, 5), hidden=widths, classes=st.integers(1, 4),
                  pooled=st.booleans()),
       examples=[dict(seed=0, batch=1, hidden=4, classes=3, pooled=False),
                 dict(seed=1, batch=1, hidden=3, classes=2, pooled=True),
                 dict(seed=2, batch=3, hidden=5, classes=4, pooled=False)],
       compare=same("the logits"))
def head_logits(module, seed, batch, hidden, classes, pooled):
    head = module.Head(hidden, classes)
    generator = torch.Generator().manual_seed(seed)
    _loaded(head, _linear_state("linear.", hidden, classes, generator))
    shape = (batch, hidden, 1, 1) if pooled else (batch, hidden)  # a pooled map, or vectors
    return plain(head(_inputs(generator, *shape)))


def _same_classifier(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    assert got["parts"] == expected["parts"], (
        "the classifier's `.backbone` and `.head` should be a Backbone and a Head "
        f"(got {got['parts']})")
    assert got["state"] == expected["state"], (
        f"the classifier's state dict has {got['state']} (name: shape), expected {expected['state']}")
    assert got["dropout"] == expected["dropout"], (
        f"the classifier's Dropout probabilities are {got['dropout']}, expected {expected['dropout']}")
    _same_outputs("the logits")(got["outputs"], expected["outputs"])
    assert got["no_grad"] == expected["no_grad"], (
        f"after a backward pass these parameters have no gradient: {got['no_grad']}")


@check("the classifier's logits are not the head applied to the backbone's features",
       given=dict(seed=seeds, batch=st.integers(1, 5), in_features=widths, hidden=widths,
                  classes=st.integers(1, 4)),
       examples=[dict(seed=0, batch=3, in_features=4, hidden=5, classes=3),
                 dict(seed=1, batch=1, in_features=2, hidden=3, classes=2)],
       compare=_same_classifier)
def classifier_logits(module, seed, batch, in_features, hidden, classes):
    model = module.Classifier(in_features, hidden, classes)
    parts = [isinstance(getattr(model, "backbone", None), module.Backbone),
             isinstance(getattr(model, "head", None), module.Head)]
    state = {name: list(value.shape) for name, value in model.state_dict().items()}
    generator = torch.Generator().manual_seed(seed)
    weights = _backbone_state("backbone.", in_features, hidden, generator)
    weights.update(_linear_state("head.linear.", hidden, classes, generator))
    _loaded(model, weights)
    x = _inputs(generator, batch, in_features)  # (B, in_features)
    dropout = [layer.p for layer in model.modules() if isinstance(layer, nn.Dropout)]
    outputs = _outputs(model, x)
    model.train(batch >= 2)
    model(x).sum().backward()
    no_grad = [name for name, p in model.named_parameters() if p.grad is None]
    return {"parts": parts, "state": state, "dropout": dropout, "outputs": outputs, "no_grad": no_grad}


def _trains(got, expected, **example):
    assert not isinstance(got, str), (
        f"a training step (train mode, the default Dropout rate, one backward pass) fails: {got}")
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    for name, grad in expected.items():
        seen = got[name]
        assert isinstance(seen, torch.Tensor) and seen.shape == grad.shape, (
            f"after a backward pass in train mode, {name} has no gradient of its shape ({seen!r})")
        assert finite(seen), f"after a backward pass in train mode, the gradient of {name} holds NaN or infinity"


@check("training fails when Dropout is active (train mode at the default rate)",
       given=dict(seed=seeds, batch=st.integers(2, 5), in_features=widths, hidden=widths,
                  classes=st.integers(1, 4)),
       examples=[dict(seed=0, batch=4, in_features=3, hidden=5, classes=3)],
       compare=_trains, max_examples=3, priority=75)
def trains_with_dropout(module, seed, batch, in_features, hidden, classes):
    model = module.Classifier(in_features, hidden, classes)
    generator = torch.Generator().manual_seed(seed)
    weights = _backbone_state("backbone.", in_features, hidden, generator)
    weights.update(_linear_state("head.linear.", hidden, classes, generator))
    _loaded(model, weights).train()
    x = _inputs(generator, batch, in_features).requires_grad_(True)  # (B, in_features)
    torch.manual_seed(seed)  # the masks; only where gradients arrive is compared
    try:
        model(x).sum().backward()
    except NotImplementedError:
        raise
    except RuntimeError as error:  # autograd refusing the graph is the observation
        return f"RuntimeError: {str(error)[:200]}"
    grads = {name: p.grad for name, p in model.named_parameters()}
    grads["the input"] = x.grad
    return {name: None if grad is None else plain(grad) for name, grad in grads.items()}


CHECKS = (backbone_layout, backbone_features, head_logits, classifier_logits, trains_with_dropout)
