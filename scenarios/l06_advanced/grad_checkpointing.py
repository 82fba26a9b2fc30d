"""Checks for `CheckpointedMLP`: the plain model's outputs and gradients, with less memory.

Every model gets the same weights, made here from the seed and loaded by the `state_dict`
names the contract gives; then the candidate, with checkpointing on or off, in train or eval
mode, must give the outputs and the gradients (of the weights and of the input) that the
reference gives. Memory is measured as autograd sees it: the tensor elements it keeps for
backward during a forward, at most the reference's with checkpointing and more without. A
bound alone is what the implementation could meet by other means (offloading, say), so the
check also observes what checkpointing is: each block's weight (`blocks.{i}.0.weight`, a
pinned name) is used in the forward pass, and used again during backward (the block is
recomputed) with checkpointing, never without. Uses are counted by a TorchDispatchMode
(it sees a checkpoint's recomputation, which a TorchFunctionMode does not): every operator
that receives the weight itself and makes a new tensor, however the block applies it.
"""

import math

import torch
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode

from bughunt.placement import device, plain
from scenarios._support import assert_close, check, seeds

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


class _WeightUses(TorchDispatchMode):
    """Counts, per weight, the operators that receive that very tensor as an argument."""

    def __init__(self, weights: list[torch.Tensor]) -> None:
        super().__init__()
        self.weights, self.uses = weights, [0] * len(weights)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        given = list(args) + list(kwargs.values())
        # A computation makes a new tensor; `.to()` or `.cpu()` handing the weight back does not.
        if isinstance(result, torch.Tensor) and not any(result is value for value in given):
            for i, weight in enumerate(self.weights):
                if any(value is weight for value in given):
                    self.uses[i] += 1
        return result


def _memory(model, x) -> dict:
    """A training step's forward and backward: the activation elements autograd keeps, and how
    many times each block's weight is used in the forward and again during the backward."""
    weights = [model.get_parameter(f"blocks.{i}.0.weight") for i in range(len(model.blocks))]
    with _WeightUses(weights) as uses:
        saved, out = _saved_elements(model, x)
        forward = list(uses.uses)
        out.sum().backward()
    return {"saved": saved, "forward": [n > 0 for n in forward],
            "recomputed": [n > f for n, f in zip(uses.uses, forward)]}


def _saved_elements(model, x):
    """Activation elements autograd keeps for backward (parameters are alive anyway), and the output."""
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    count = 0

    def pack(tensor):
        nonlocal count
        if tensor.untyped_storage().data_ptr() not in weights:
            count += tensor.numel()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = model(x)
    return count, out


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
    # The same gradients as out.backward(upstream), whose first call imports sympy (0.2 s).
    (out * upstream).sum().backward()
    return {"output": plain(out), "input_grad": _gradient(x.grad),
            "grads": {name: _gradient(p.grad) for name, p in model.named_parameters()}}


def _saves_memory(got, expected, **example) -> None:
    assert isinstance(got, dict) and set(got) == set(expected) and all(
        isinstance(got[k], dict) and type(got[k].get("saved")) is int for k in got), \
        "the model's forward passes could not be measured"
    checkpointed, plain_run = got["checkpointed"], got["plain"]
    for name, run in got.items():
        flag = "use_checkpoint=True" if name == "checkpointed" else "use_checkpoint=False"
        assert run["forward"] == expected[name]["forward"], (
            f"with {flag}, a training forward pass uses the blocks' weights: {run['forward']}; "
            f"a correct model: {expected[name]['forward']}")
        assert run["recomputed"] == expected[name]["recomputed"], (
            f"with {flag}, backward uses the blocks' weights again (recomputes them): {run['recomputed']}; "
            f"a correct model {'recomputes every block' if name == 'checkpointed' else 'recomputes none'}: "
            f"{expected[name]['recomputed']}")
    most = expected["checkpointed"]["saved"]
    assert checkpointed["saved"] <= most, (
        f"a training forward pass with checkpointing keeps {checkpointed['saved']} elements for "
        f"backward; checkpointing every block keeps {most}")
    assert plain_run["saved"] > most, (
        f"with use_checkpoint=False a training forward pass keeps only {plain_run['saved']} elements "
        f"for backward: the blocks are still checkpointed")


@check("the use_checkpoint flag does not change how many activations training keeps for backward",
       given=dict(seed=seeds, batch=sizes,
                  shape=st.tuples(features, features, features, st.integers(2, 4))),
       examples=[dict(seed=0, batch=4, shape=(3, 6, 2, 3))], compare=_saves_memory)
def saves_memory(module, seed, batch, shape):
    x = torch.randn(batch, shape[0], generator=torch.Generator().manual_seed(seed)).to(device())
    runs = {}
    for name, use_checkpoint in (("checkpointed", True), ("plain", False)):
        model = _model(module, seed, shape, use_checkpoint)
        runs[name] = _memory(model.train(), x)
    return runs


CHECKS = (same_as_plain, saves_memory)


def first_use() -> None:
    """A warm runner's once-for-all: checkpointing's first call loads torch._dynamo's config
    (through `bughunt.lazy_dynamo`) and torch's device helpers, tens of milliseconds that
    each child would pay again."""
    from torch.utils.checkpoint import checkpoint

    layer = torch.nn.Linear(2, 2)
    with _WeightUses([layer.weight]):
        checkpoint(layer, torch.randn(3, 2, requires_grad=True), use_reentrant=False).sum().backward()
