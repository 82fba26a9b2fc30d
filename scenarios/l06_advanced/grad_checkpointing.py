"""Checks for `CheckpointedMLP`: the plain model's outputs and gradients, with less memory.

Both models get the reference's weights (`load_state_dict` across), then the candidate, with
checkpointing on or off, in train or eval mode, must give the outputs and the gradients (of
the weights and of the input) that the reference gives without checkpointing. Memory is
measured as autograd sees it: the tensor elements it keeps for backward during a forward.
"""

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from bughunt.judge.checking import check
from bughunt.placement import device
from scenarios._support import assert_close, seeds

sizes = st.integers(1, 5)
features = st.integers(1, 6)
GRAD_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def _pair(cand, ref, seed, shape, use_checkpoint):
    """The candidate model with `use_checkpoint` and a plain reference, sharing weights."""
    in_features, hidden, out_features, blocks = shape
    torch.manual_seed(seed)
    expected = ref.CheckpointedMLP(in_features, hidden, out_features, blocks, use_checkpoint=False)
    got = cand.CheckpointedMLP(in_features, hidden, out_features, blocks, use_checkpoint=use_checkpoint)
    got.load_state_dict(expected.state_dict())
    return got.to(device()), expected.to(device())


def _forward_backward(model, x, upstream):
    x = x.clone().requires_grad_(True)
    out = model(x)  # (B, out_features)
    out.backward(upstream)
    return out.detach(), x.grad, {name: p.grad for name, p in model.named_parameters()}


def _saved_elements(model, x) -> int:
    count = 0

    def pack(tensor):
        nonlocal count
        count += tensor.numel()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x)
    return count


@check("the model's outputs or gradients differ from the same MLP without checkpointing")
@given(seed=seeds, batch=sizes, shape=st.tuples(features, features, features, st.integers(0, 3)),
       use_checkpoint=st.booleans(), train=st.booleans())
@example(seed=0, batch=3, shape=(4, 6, 2, 3), use_checkpoint=True, train=True)
@example(seed=1, batch=1, shape=(3, 5, 1, 2), use_checkpoint=False, train=True)
@example(seed=2, batch=2, shape=(2, 4, 3, 2), use_checkpoint=True, train=False)
def same_as_plain(cand, ref, seed, batch, shape, use_checkpoint, train):
    got_model, expected_model = _pair(cand, ref, seed, shape, use_checkpoint)
    got_model.train(train)
    expected_model.train(train)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, shape[0], generator=generator).to(device())  # (B, in)
    upstream = torch.randn(batch, shape[2], generator=generator).to(device())  # (B, out)
    got_out, got_x_grad, got_grads = _forward_backward(got_model, x, upstream)
    out, x_grad, grads = _forward_backward(expected_model, x, upstream)
    assert got_out.shape == out.shape, (
        f"the output has shape {tuple(got_out.shape)}, expected {tuple(out.shape)}")
    assert_close(got_out, out, **GRAD_TOLERANCE,
                               msg=lambda m: f"the outputs differ from the plain MLP's: {m}")
    assert_close(got_x_grad, x_grad, **GRAD_TOLERANCE,
                               msg=lambda m: f"the gradient of the input differs from the plain MLP's: {m}")
    for name, grad in grads.items():
        assert got_grads[name] is not None, f"parameter {name!r} got no gradient"
        assert_close(
            got_grads[name], grad, **GRAD_TOLERANCE,
            msg=lambda m, name=name: f"the gradient of {name!r} differs from the plain MLP's: {m}")


@check("the use_checkpoint flag does not change how many activations training keeps for backward")
@given(seed=seeds, batch=sizes, shape=st.tuples(features, features, features, st.integers(2, 4)))
@example(seed=0, batch=4, shape=(3, 6, 2, 3))
def saves_memory(cand, ref, seed, batch, shape):
    torch.manual_seed(seed)
    checkpointed = ref.CheckpointedMLP(*shape, use_checkpoint=True).to(device())
    x = torch.randn(batch, shape[0], generator=torch.Generator().manual_seed(seed)).to(device())
    expected = _saved_elements(checkpointed.train(), x)
    for use_checkpoint in (True, False):
        model, _ = _pair(cand, ref, seed, shape, use_checkpoint)
        got = _saved_elements(model.train(), x)
        if use_checkpoint:
            assert got <= expected, (
                f"a training forward pass with checkpointing keeps {got} elements for "
                f"backward; checkpointing every block keeps {expected}")
        else:
            assert got > expected, (
                f"with use_checkpoint=False a training forward pass keeps only {got} elements "
                f"for backward: the blocks are still checkpointed")


CHECKS = (same_as_plain, saves_memory)
