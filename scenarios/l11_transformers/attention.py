"""Checks for attention: the function, MultiHeadAttention and the Pre-LN EncoderBlock.

The modules get their weights by the documented parameter names (`q_proj`, `k_proj`, `v_proj`,
`out_proj`; `ln1`, `attn`, `ln2`, `ffn.0`, `ffn.3`), drawn from the example's seed, so a correct
module may create its layers in any order. Outputs and gradients (of every weight and of the
inputs) must then be the reference's, with and without masks, with as many keys as queries or
not, within what float32 rounding explains over the computation's depth. That error is measured,
not guessed: each observation also runs a float64 copy of the module, and the candidate's
float32 values are compared with the reference's float64 ones, allowed 1e-4 relative plus 32
times the reference's own float32 error on that tensor (a different correct order of operations,
such as a fused QKV projection or F.scaled_dot_product_attention, errs by as much as the
reference does, and a LayerNorm over two features makes both err a lot). The block is compared
value for value where it is deterministic (dropout 0, or eval mode); in train mode with dropout
its masks are the implementation's (which sublayers drop, in which order it draws), so that case
is checked by properties: masks that change from call to call, an output that differs from eval
mode's, finite values.
"""

import copy

import torch
from hypothesis import strategies as st

from bughunt import series
from bughunt.placement import device, plain
from scenarios._support import assert_close, check, differs, finite, seeds

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}
ERROR_FACTOR = 32  # how much more float32 error than the reference's a correct ordering may make


def _assert_deep_close(got, expected, precise, msg) -> None:
    """`got` (float32) against the reference's float64 value `precise`, within 1e-4 relative
    plus ERROR_FACTOR times the reference's own float32 error `expected - precise` on that
    tensor. Without a float64 value, plain TOLERANCE."""
    if not isinstance(precise, torch.Tensor) or precise.shape != expected.shape:
        assert_close(got, expected, **TOLERANCE, msg=msg)
        return
    assert_close(got, expected, rtol=0.0, atol=float("inf"), msg=msg)  # shape, dtype, NaN
    error = float((expected.double() - precise).abs().max()) if expected.numel() else 0.0
    assert_close(got.double(), precise, rtol=TOLERANCE["rtol"], atol=TOLERANCE["atol"] + ERROR_FACTOR * error,
                 msg=msg)
MASKS = ("none", "full", "keys", "square")  # none; (B, h, T_q, T_k); (B, 1, 1, T_k); (T_q, T_k)


def _mask(kind, generator, batch, heads, t_q, t_k):
    """A bool mask (True = may attend) of the given broadcasting shape; no row all False."""
    if kind == "none":
        return None
    shape = {"full": (batch, heads, t_q, t_k), "keys": (batch, 1, 1, t_k), "square": (t_q, t_k)}[kind]
    mask = torch.rand(shape, generator=generator) < 0.6
    rows = mask.shape[-2]
    for i in range(rows):
        mask[..., i, (i * 7 + 1) % t_k] = True  # every query keeps at least one key
    return mask.to(device())


def _randn(generator, *shape, scale=1.0):
    return (torch.randn(shape, generator=generator) * scale).to(device())


# --- scaled_dot_product_attention -------------------------------------------------------

sdpa_shapes = st.fixed_dictionaries({
    "batch": st.integers(1, 3), "heads": st.integers(0, 3), "t_q": st.integers(1, 5),
    "t_k": st.integers(1, 5), "d_k": st.sampled_from([1, 4, 16]), "d_v": st.integers(1, 4),
    "mask": st.sampled_from(MASKS)})


def _same_attention(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the function should return (out, weights)"
    weights, out = got["weights"], got["out"]
    assert isinstance(weights, torch.Tensor) and weights.shape == expected["weights"].shape, (
        f"the weights should have shape {tuple(expected['weights'].shape)} (…, T_q, T_k), got "
        f"{tuple(weights.shape) if isinstance(weights, torch.Tensor) else type(weights).__name__}")
    forbidden = expected["weights"] == 0
    if bool((forbidden & ~(weights.abs() <= 1e-6)).any()):
        raise AssertionError("keys the mask rules out (False) get attention weight, or some weights are NaN")
    sums = weights.sum(dim=-1)
    assert_close(sums, torch.ones_like(sums), rtol=0, atol=1e-4,
                 msg=lambda m: f"each query's weights should sum to 1 over the keys: {m}")
    assert_close(weights, expected["weights"], **TOLERANCE,
                 msg=lambda m: f"the weights are not softmax(q k^T / sqrt(d_k)): {m}")
    assert_close(out, expected["out"], **TOLERANCE,
                 msg=lambda m: f"the output is not the weighted average of the values: {m}")


def _weights_heat_map(got, expected, **example):
    weights = got.get("weights") if isinstance(got, dict) else None
    return [series.heat("attention weights (first batch and head)", "key", "query",
                        weights if isinstance(weights, torch.Tensor) else [], expected["weights"])]


@check("attention weights are not softmax(q k^T / sqrt(d_k)) over the keys, with the mask "
       "honoured, or the output is not their average of the values",
       given=dict(seed=seeds, shape=sdpa_shapes),
       examples=[dict(seed=0, shape={"batch": 2, "heads": 2, "t_q": 3, "t_k": 5, "d_k": 16, "d_v": 3, "mask": "none"}),
                 dict(seed=1, shape={"batch": 1, "heads": 0, "t_q": 1, "t_k": 4, "d_k": 4, "d_v": 2, "mask": "none"}),
                 dict(seed=2, shape={"batch": 2, "heads": 3, "t_q": 4, "t_k": 4, "d_k": 4, "d_v": 4, "mask": "full"}),
                 dict(seed=3, shape={"batch": 3, "heads": 2, "t_q": 2, "t_k": 5, "d_k": 4, "d_v": 1, "mask": "keys"})],
       compare=_same_attention, draw=_weights_heat_map)
def attention_function(module, seed, shape):
    generator = torch.Generator().manual_seed(seed)
    lead = (shape["batch"], shape["heads"]) if shape["heads"] else (shape["batch"],)
    q = _randn(generator, *lead, shape["t_q"], shape["d_k"])
    k = _randn(generator, *lead, shape["t_k"], shape["d_k"])
    v = _randn(generator, *lead, shape["t_k"], shape["d_v"])
    mask = _mask(shape["mask"], generator, shape["batch"], max(shape["heads"], 1), shape["t_q"], shape["t_k"])
    if mask is not None and not shape["heads"] and mask.dim() == 4:
        mask = mask[:, 0]  # (B, T_q, T_k) or (B, 1, T_k) without a heads dim
    out, weights = module.scaled_dot_product_attention(q, k, v, mask)
    return {"out": plain(out), "weights": plain(weights)}


# --- MultiHeadAttention -----------------------------------------------------------------

def _mha_shapes(d_model, prefix=""):
    return {f"{prefix}{proj}.{kind}": (d_model, d_model) if kind == "weight" else (d_model,)
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj") for kind in ("weight", "bias")}


def _load(model, shapes, seed):
    """Give `model` seeded weights by the documented names; a clear failure if they differ."""
    generator = torch.Generator().manual_seed(seed + 100)
    state = {}
    for name, size in shapes.items():
        if name.endswith("weight") and len(size) == 1:  # LayerNorm scale, around 1
            state[name] = 1.0 + 0.2 * torch.randn(size, generator=generator)
        else:
            fan_in = size[-1] if len(size) == 2 else 4
            state[name] = torch.randn(size, generator=generator) / fan_in ** 0.5
    found = {name: tuple(p.shape) for name, p in model.state_dict().items()}
    wanted = {name: tuple(size) for name, size in shapes.items()}
    if found != wanted:
        missing = sorted(set(wanted) - set(found))
        extra = sorted(set(found) - set(wanted))
        wrong = sorted(n for n in set(found) & set(wanted) if found[n] != wanted[n])
        raise AssertionError(
            "the parameters are not the documented ones: "
            + "; ".join(part for part in (f"missing {missing}" if missing else "",
                                          f"unexpected {extra}" if extra else "",
                                          f"wrong shapes for {wrong}" if wrong else "") if part))
    model.load_state_dict(state)
    return model.to(device())


def _forward_backward(model, seed, inputs, **kwargs):
    """Output, and the gradients of every parameter and input for a random weighting of it;
    under "float64", the same from a float64 copy of the module (None where that fails: the
    contract does not promise float64, the judge only reads the reference's)."""
    try:
        precise = _run(copy.deepcopy(model).double(), seed, [x.double() for x in inputs], **kwargs)
    except Exception:  # noqa: BLE001 - only the reference's float64 run is ever used
        precise = None
    return {**_run(model, seed, inputs, **kwargs), "float64": precise}


def _run(model, seed, inputs, **kwargs):
    inputs = [x.clone().requires_grad_(True) for x in inputs]
    out = model(*inputs, **kwargs)
    weighting = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed + 3)).to(out.device, out.dtype)
    (out * weighting).sum().backward()
    grads = {name: plain(p.grad) if p.grad is not None else None for name, p in model.named_parameters()}
    return {"out": plain(out), "grads": dict(sorted(grads.items())),
            "input_grads": [plain(x.grad) if x.grad is not None else None for x in inputs]}


def _same_forward_backward(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the module's results could not be examined"
    precise = expected["float64"] or {"out": None, "grads": {}, "input_grads": []}
    _assert_deep_close(got["out"], expected["out"], precise["out"],
                       msg=lambda m: f"with the same weights, the output differs from a correct module's: {m}")
    assert isinstance(got["grads"], dict) and set(got["grads"]) == set(expected["grads"]), \
        "the module's parameters are not the documented ones"
    for name, grad in expected["grads"].items():
        assert got["grads"][name] is not None, f"no gradient reaches {name!r}: it does not influence the output"
        _assert_deep_close(got["grads"][name], grad, precise["grads"].get(name), msg=lambda m, name=name: (
            f"training would move {name!r} differently from a correct module: {m}"))
    assert isinstance(got["input_grads"], list) and len(got["input_grads"]) == len(expected["input_grads"])
    for i, grad in enumerate(expected["input_grads"]):
        assert got["input_grads"][i] is not None, "no gradient flows back to the inputs"
        exact = precise["input_grads"][i] if i < len(precise["input_grads"]) else None
        _assert_deep_close(got["input_grads"][i], grad, exact, msg=lambda m: (
            f"the gradient flowing back to the inputs differs from a correct module's: {m}"))


mha_shapes = st.fixed_dictionaries({
    "batch": st.integers(1, 3), "heads": st.sampled_from([1, 2, 4]), "head_dim": st.integers(1, 3),
    "t_q": st.integers(1, 5), "t_k": st.integers(1, 5), "mask": st.sampled_from(MASKS)})


@check("self-attention gives other outputs or gradients than multi-head attention with the same weights",
       given=dict(seed=seeds, shape=mha_shapes),
       examples=[dict(seed=0, shape={"batch": 2, "heads": 2, "head_dim": 3, "t_q": 4, "t_k": 4, "mask": "none"}),
                 dict(seed=1, shape={"batch": 1, "heads": 4, "head_dim": 2, "t_q": 3, "t_k": 3, "mask": "square"}),
                 dict(seed=2, shape={"batch": 3, "heads": 2, "head_dim": 2, "t_q": 5, "t_k": 5, "mask": "full"})],
       compare=_same_forward_backward, max_examples=8)
def mha_self_attention(module, seed, shape):
    d_model = shape["heads"] * shape["head_dim"]
    torch.manual_seed(seed)
    model = _load(module.MultiHeadAttention(d_model, shape["heads"]), _mha_shapes(d_model), seed)
    generator = torch.Generator().manual_seed(seed)
    x = _randn(generator, shape["batch"], shape["t_q"], d_model)
    mask = _mask(shape["mask"], generator, shape["batch"], shape["heads"], shape["t_q"], shape["t_q"])
    return _forward_backward(model, seed, [x], mask=mask)


@check("attending from one sequence to another of a different length gives the wrong result",
       given=dict(seed=seeds, shape=mha_shapes, value_given=st.booleans()),
       examples=[dict(seed=3, shape={"batch": 2, "heads": 2, "head_dim": 2, "t_q": 2, "t_k": 5, "mask": "keys"},
                      value_given=True),
                 dict(seed=4, shape={"batch": 1, "heads": 4, "head_dim": 1, "t_q": 4, "t_k": 3, "mask": "square"},
                      value_given=False)],
       compare=_same_forward_backward, max_examples=8)
def mha_cross_attention(module, seed, shape, value_given):
    d_model = shape["heads"] * shape["head_dim"]
    torch.manual_seed(seed)
    model = _load(module.MultiHeadAttention(d_model, shape["heads"]), _mha_shapes(d_model), seed)
    generator = torch.Generator().manual_seed(seed)
    query = _randn(generator, shape["batch"], shape["t_q"], d_model)
    key = _randn(generator, shape["batch"], shape["t_k"], d_model)
    value = _randn(generator, shape["batch"], shape["t_k"], d_model)
    mask = _mask(shape["mask"], generator, shape["batch"], shape["heads"], shape["t_q"], shape["t_k"])
    inputs = [query, key, value] if value_given else [query, key]
    return _forward_backward(model, seed, inputs, mask=mask)


# --- EncoderBlock -----------------------------------------------------------------------

def _block_shapes(d_model, d_ff):
    return {"ln1.weight": (d_model,), "ln1.bias": (d_model,), **_mha_shapes(d_model, "attn."),
            "ln2.weight": (d_model,), "ln2.bias": (d_model,), "ffn.0.weight": (d_ff, d_model),
            "ffn.0.bias": (d_ff,), "ffn.3.weight": (d_model, d_ff), "ffn.3.bias": (d_model,)}


block_shapes = st.fixed_dictionaries({
    "batch": st.integers(1, 3), "heads": st.sampled_from([1, 2]), "head_dim": st.integers(1, 3),
    "t": st.integers(1, 5), "d_ff": st.integers(1, 8), "mask": st.sampled_from(MASKS)})


# (dropout, train mode): the deterministic settings, compared value for value.
deterministic = st.sampled_from([(0.0, True), (0.0, False), (0.3, False)])


def _block(module, seed, shape, dropout):
    d_model = shape["heads"] * shape["head_dim"]
    torch.manual_seed(seed)
    block = module.EncoderBlock(d_model, shape["heads"], shape["d_ff"], dropout=dropout)
    block = _load(block, _block_shapes(d_model, shape["d_ff"]), seed)
    generator = torch.Generator().manual_seed(seed)
    x = _randn(generator, shape["batch"], shape["t"], d_model, scale=2.0)
    mask = _mask(shape["mask"], generator, shape["batch"], shape["heads"], shape["t"], shape["t"])
    return block, x, mask


@check("the encoder block gives other outputs or gradients than a Pre-LN block with the same weights",
       given=dict(seed=seeds, shape=block_shapes, setting=deterministic),
       examples=[dict(seed=0, shape={"batch": 2, "heads": 2, "head_dim": 2, "t": 4, "d_ff": 6, "mask": "none"},
                      setting=(0.0, False)),
                 dict(seed=1, shape={"batch": 1, "heads": 1, "head_dim": 3, "t": 3, "d_ff": 4, "mask": "square"},
                      setting=(0.0, True)),
                 dict(seed=2, shape={"batch": 3, "heads": 2, "head_dim": 1, "t": 5, "d_ff": 3, "mask": "keys"},
                      setting=(0.3, False))],
       compare=_same_forward_backward, max_examples=8)
def block_outputs(module, seed, shape, setting):
    dropout, train = setting
    block, x, mask = _block(module, seed, shape, dropout)
    return _forward_backward(block.train(train), seed, [x], mask=mask)


def _drops_in_training(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the block's results could not be examined"
    first, second, evaluated = got["train"], got["train_again"], got["eval"]
    assert all(isinstance(t, torch.Tensor) and t.shape == expected["eval"].shape for t in (first, second, evaluated)), \
        "the block's output does not have its input's shape"
    assert finite([first, second, evaluated]), "the block returns NaN or infinite values"
    _assert_deep_close(evaluated, expected["eval"], expected["eval64"], msg=lambda m: (
        f"in eval mode (dropout inactive), the output differs from a correct block's: {m}"))
    assert differs(first, evaluated), \
        "with dropout 0.5 in train mode, the output is the eval-mode output: Dropout never drops"
    assert differs(first, second), \
        "with dropout 0.5 in train mode, two calls give the same output: Dropout draws no new masks"


# Enough feed-forward units that two independent masks at p = 0.5 never coincide (2^-32).
dropout_shapes = st.fixed_dictionaries({
    "batch": st.integers(2, 3), "heads": st.sampled_from([1, 2]), "head_dim": st.integers(1, 3),
    "t": st.integers(2, 4), "d_ff": st.integers(8, 12), "mask": st.sampled_from(MASKS)})


@check("the encoder block's Dropout does not drop in train mode, or still drops in eval mode",
       given=dict(seed=seeds, shape=dropout_shapes),
       examples=[dict(seed=4, shape={"batch": 2, "heads": 2, "head_dim": 2, "t": 4, "d_ff": 8, "mask": "none"})],
       compare=_drops_in_training, max_examples=4, priority=60)
def block_dropout(module, seed, shape):
    """Which sublayers drop, and how the masks are drawn, is the implementation's: properties only."""
    block, x, mask = _block(module, seed, shape, 0.5)
    with torch.no_grad():
        block.train()
        torch.manual_seed(seed + 5)
        first = block(x, mask=mask)
        second = block(x, mask=mask)
        evaluated = block.eval()(x, mask=mask)
        try:
            precise = plain(copy.deepcopy(block).double()(x.double(), mask=mask))
        except Exception:  # noqa: BLE001 - only the reference's float64 run is ever used
            precise = None
    return {"train": plain(first), "train_again": plain(second), "eval": plain(evaluated), "eval64": precise}


def _passes_through(got, expected, **example):
    assert isinstance(got, torch.Tensor) and got.shape == expected.shape, \
        "the block's output does not have its input's shape"
    assert_close(got, expected, rtol=1e-5, atol=1e-6,
                 msg=lambda m: f"the output is not the input itself: {m}")


@check("with both sublayers' output projections at zero, the block does not return its input: "
       "the residual stream is not x + sublayer(LayerNorm(x))",
       given=dict(seed=seeds, shape=block_shapes),
       examples=[dict(seed=3, shape={"batch": 2, "heads": 2, "head_dim": 2, "t": 3, "d_ff": 4, "mask": "none"})],
       compare=_passes_through, max_examples=4, priority=30)
def identity_path(module, seed, shape):
    d_model = shape["heads"] * shape["head_dim"]
    torch.manual_seed(seed)
    block = module.EncoderBlock(d_model, shape["heads"], shape["d_ff"], dropout=0.0)
    block = _load(block, _block_shapes(d_model, shape["d_ff"]), seed).eval()
    with torch.no_grad():
        for layer in (block.attn.out_proj, block.ffn[3]):  # each sublayer now adds exactly 0
            layer.weight.zero_()
            layer.bias.zero_()
        x = _randn(torch.Generator().manual_seed(seed), shape["batch"], shape["t"], d_model, scale=2.0)
        return plain(block(x))


CHECKS = (attention_function, mha_self_attention, mha_cross_attention, block_outputs, block_dropout, identity_path)
