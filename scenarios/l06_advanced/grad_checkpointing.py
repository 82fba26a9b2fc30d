"""Checks for `CheckpointedMLP`: the plain model's outputs and gradients, with less memory.

Every model gets the same weights, made here from the seed and loaded by the `state_dict`
names the contract gives; then the candidate, with checkpointing on or off, in train or eval
mode, must give the outputs and the gradients (of the weights and of the input) that the
reference gives. Memory is measured as autograd sees it: the tensor elements it keeps for
backward during a forward.
"""

import math

import torch
from hypothesis import strategies as st
# torch.utils.checkpoint needs the real torch._dynamo: seconds of imports that the judge and
# the runner put off until first use. Paid once here, with the checks, not inside a check.
from torch._dynamo import config as _dynamo_config  # noqa: F401

from bughunt.judge.checking import check
from bughunt.placement import device, plain
from scenarios._support import assert_close, seeds

sizes = st.integers(1, 5)
features = st.integers(1, 6)
GRAD_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def _weights(shape, seed: int) -> dict:
    """A state dict for `shape = (in, hidden, out, blocks)`, under the contract's names."""
    in_features, hidden, out_features, blocks = shape
    generator = torch.Generator().manual_seed(seed)
    layers = [("stem", in_features, hidden)]
    layers += [(f"blocks.{i}.0", hidden, hidden) for i in range(blocks)]
    layers += [("head", hidden, out_features)]
    weights = {}
    for name, fan_in, fan_out in layers:
        bound = 1 / math.sqrt(fan_in)  # nn.Linear's own range, so GELU sees both signs
        weights[f"{name}.weight"] = (torch.rand(fan_out, fan_in, generator=generator) * 2 - 1) * bound
        weights[f"{name}.bias"] = (torch.rand(fan_out, generator=generator) * 2 - 1) * bound
    return weights


def _model(module, seed, shape, use_checkpoint):
    """The module's model with `use_checkpoint` and the seed's weights, on the device."""
    in_features, hidden, out_features, blocks = shape
    torch.manual_seed(seed)
    model = module.CheckpointedMLP(in_features, hidden, out_features, blocks,
                                   use_checkpoint=use_checkpoint)
    model.load_state_dict(_weights(shape, seed))
    return model.to(device())


def _saved_elements(model, x) -> int:
    """Activation elements autograd keeps for backward; parameters are alive anyway."""
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    count = 0

    def pack(tensor):
        nonlocal count
        if tensor.untyped_storage().data_ptr() not in weights:
            count += tensor.numel()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x)
    return count


def _gradient(tensor):
    return None if tensor is None else plain(tensor)


def _same_as_plain(got, expected, **example) -> None:
    assert isinstance(got, dict), "the model did not give outputs and gradients"
    out = got.get("output")
    if isinstance(out, torch.Tensor):
        assert out.shape == expected["output"].shape, (
            f"the output has shape {tuple(out.shape)}, expected {tuple(expected['output'].shape)}")
    assert_close(out, expected["output"], **GRAD_TOLERANCE,
                 msg=lambda m: f"the outputs differ from the plain MLP's: {m}")
    if expected["input_grad"] is not None:
        assert got.get("input_grad") is not None, "the input got no gradient"
        assert_close(got["input_grad"], expected["input_grad"], **GRAD_TOLERANCE,
                     msg=lambda m: f"the gradient of the input differs from the plain MLP's: {m}")
    grads = got.get("grads")
    assert isinstance(grads, dict), "the model's parameters got no gradients"
    for name, grad in expected["grads"].items():
        if grad is None:  # a frozen parameter
            assert grads.get(name) is None, f"frozen parameter {name!r} got a gradient"
            continue
        assert grads.get(name) is not None, f"parameter {name!r} got no gradient"
        assert_close(
            grads[name], grad, **GRAD_TOLERANCE,
            msg=lambda m, name=name: f"the gradient of {name!r} differs from the plain MLP's: {m}")


@check("the model's outputs or gradients differ from the same MLP without checkpointing",
       given=dict(seed=seeds, batch=sizes,
                  shape=st.tuples(features, features, features, st.integers(0, 3)),
                  use_checkpoint=st.booleans(), train=st.booleans(), frozen_stem=st.booleans()),
       examples=[dict(seed=0, batch=3, shape=(4, 6, 2, 3), use_checkpoint=True, train=True,
                      frozen_stem=False),
                 dict(seed=1, batch=1, shape=(3, 5, 1, 2), use_checkpoint=False, train=True,
                      frozen_stem=False),
                 dict(seed=2, batch=2, shape=(2, 4, 3, 2), use_checkpoint=True, train=False,
                      frozen_stem=False),
                 # fine-tuning: nothing entering the blocks requires grad, yet they must train
                 dict(seed=3, batch=2, shape=(3, 4, 2, 2), use_checkpoint=True, train=True,
                      frozen_stem=True)],
       compare=_same_as_plain)
def same_as_plain(module, seed, batch, shape, use_checkpoint, train, frozen_stem):
    model = _model(module, seed, shape, use_checkpoint)
    model.train(train)
    model.stem.requires_grad_(not frozen_stem)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, shape[0], generator=generator).to(device())  # (B, in)
    upstream = torch.randn(batch, shape[2], generator=generator).to(device())  # (B, out)
    x.requires_grad_(not frozen_stem)
    out = model(x)  # (B, out_features)
    out.backward(upstream)
    return {"output": plain(out), "input_grad": _gradient(x.grad),
            "grads": {name: _gradient(p.grad) for name, p in model.named_parameters()}}


def _saves_memory(got, expected, **example) -> None:
    assert isinstance(got, dict) and all(type(got.get(k)) is int for k in ("checkpointed", "plain")), \
        "the model's forward passes could not be measured"
    most = expected["checkpointed"]
    assert got["checkpointed"] <= most, (
        f"a training forward pass with checkpointing keeps {got['checkpointed']} elements for "
        f"backward; checkpointing every block keeps {most}")
    assert got["plain"] > most, (
        f"with use_checkpoint=False a training forward pass keeps only {got['plain']} elements "
        f"for backward: the blocks are still checkpointed")


@check("the use_checkpoint flag does not change how many activations training keeps for backward",
       given=dict(seed=seeds, batch=sizes,
                  shape=st.tuples(features, features, features, st.integers(2, 4))),
       examples=[dict(seed=0, batch=4, shape=(3, 6, 2, 3))], compare=_saves_memory)
def saves_memory(module, seed, batch, shape):
    x = torch.randn(batch, shape[0], generator=torch.Generator().manual_seed(seed)).to(device())
    counts = {}
    for name, use_checkpoint in (("checkpointed", True), ("plain", False)):
        model = _model(module, seed, shape, use_checkpoint)
        counts[name] = _saved_elements(model.train(), x)
    return counts


CHECKS = (same_as_plain, saves_memory)
