"""Checks for the custom LeakyReLU: values and gradients, gradcheck, and the Function in use.

Every entry point (`leaky_relu`, the `LeakyReLU` layer, `LeakyReLUFunction.apply`) must give
`F.leaky_relu`'s outputs and gradients, including the gradient at inputs exactly 0 (which is
`negative_slope`), for any shape, any slope in [0, 1] and any floating dtype: the output
and the gradient have the input's dtype (float16 and bfloat16 drawn too) and device (a meta
tensor, which refuses to meet a CPU tensor as a CUDA one does, is an explicit example). A
random upstream gradient catches a backward that drops `grad_output`.
"""

import torch
from hypothesis import strategies as st

from bughunt import series
from bughunt.placement import device, plain
from scenarios._support import assert_close, check, seeds, warm_the_meta_device

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3)
slopes = st.one_of(st.sampled_from([0.0, 0.01, 0.2, 1.0]), st.floats(0.0, 1.0))
entry_points = st.sampled_from(["leaky_relu", "module", "apply"])
dtypes = st.sampled_from(["float32", "float64", "float16", "bfloat16"])
# One rounding of the slope's product in the input's dtype, with room for a computation in
# float32 rounded back once (a correct implementation may do either).
TOLERANCES = {"float64": {"rtol": 1e-5, "atol": 1e-6}, "float32": {"rtol": 1e-5, "atol": 1e-6},
              "float16": {"rtol": 2e-3, "atol": 1e-5}, "bfloat16": {"rtol": 1.6e-2, "atol": 1e-4}}


def _input(seed, shape, dtype, zeros):
    """A random input; with `zeros`, every third element is exactly 0 (the kink)."""
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(getattr(torch, dtype))
    if zeros:
        x.view(-1)[::3] = 0.0
    return x


def _apply(module, via, x, slope):
    """LeakyReLU of x through one entry point; `slope=None` relies on the default 0.01."""
    if via == "module":
        layer = module.LeakyReLU() if slope is None else module.LeakyReLU(slope)
        return layer(x)
    if via == "apply":
        return module.LeakyReLUFunction.apply(x, 0.01 if slope is None else slope)
    return module.leaky_relu(x) if slope is None else module.leaky_relu(x, slope)


def _name(via):
    return {"module": "the LeakyReLU layer", "apply": "LeakyReLUFunction.apply"}.get(via, "leaky_relu")


def _same_as_leaky_relu(got, expected, seed, shape, slope, dtype, zeros, via):
    who = _name(via)
    tolerance = TOLERANCES[dtype]
    assert isinstance(got, dict), f"{who} gave no output and gradient"
    assert_close(got.get("output"), expected["output"], **tolerance,
                 msg=lambda m: f"the output of {who} differs from F.leaky_relu's: {m}")
    grad, right = got.get("grad"), expected["grad"]
    assert grad is not None, f"the input got no gradient through {who}"
    at_zero = _input(seed, shape, dtype, zeros) == 0
    if isinstance(grad, torch.Tensor) and grad.shape == right.shape and grad.dtype == right.dtype:
        close = torch.isclose(grad, right, **tolerance)
        if not bool(close.all()) and bool(close[~at_zero].all()):
            upstream = _upstream(seed, shape, dtype)
            ratio = (grad.double() / upstream.double())[~close][0].item()
            raise AssertionError(
                f"for inputs exactly 0 the gradient through {who} is {ratio:.4g} times the incoming "
                f"gradient; F.leaky_relu's is negative_slope={0.01 if slope is None else slope} times it")
    assert_close(grad, right, **tolerance,
                 msg=lambda m: f"the gradient through {who} differs from F.leaky_relu's: {m}")


def _upstream(seed, shape, dtype):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1)).to(getattr(torch, dtype))


def _slopes(got, expected, seed, shape, dtype, **example):
    # The local slope d out / d x of every element, in the order of the reference's outputs
    # (which rise with x): F.leaky_relu's is a step from negative_slope to 1 at 0.
    upstream = _upstream(seed, shape, dtype).double().flatten()
    order = expected["output"].double().flatten().argsort()
    grad = got.get("grad") if isinstance(got, dict) else None
    got_slope = (grad.double().flatten() / upstream)[order] if isinstance(grad, torch.Tensor) \
        and grad.numel() == upstream.numel() else []
    return [series.line("the gradient's slope, element by element", "output (sorted)", "d out / d x",
                        got_slope, (expected["grad"].double().flatten() / upstream)[order],
                        x=[round(v, 3) for v in expected["output"].double().flatten()[order].tolist()])]


@check("LeakyReLU's outputs or gradients differ from F.leaky_relu's",
       given=dict(seed=seeds, shape=shapes, slope=st.one_of(st.none(), slopes),
                  dtype=dtypes, zeros=st.booleans(), via=entry_points),
       examples=[dict(seed=0, shape=[3, 4], slope=0.2, dtype="float32", zeros=True, via="leaky_relu"),
                 dict(seed=1, shape=[5], slope=None, dtype="float32", zeros=True, via="module"),
                 dict(seed=2, shape=[2, 3], slope=0.0, dtype="float64", zeros=True, via="apply"),
                 dict(seed=3, shape=[2, 2, 2], slope=1.0, dtype="float32", zeros=False, via="leaky_relu"),
                 dict(seed=4, shape=[4, 3], slope=None, dtype="float64", zeros=True, via="leaky_relu"),
                 dict(seed=5, shape=[3, 3], slope=0.3, dtype="float16", zeros=True, via="module"),
                 dict(seed=6, shape=[6], slope=0.05, dtype="bfloat16", zeros=True, via="apply")],
       compare=_same_as_leaky_relu, draw=_slopes)
def same_as_leaky_relu(module, seed, shape, slope, dtype, zeros, via):
    x = _input(seed, shape, dtype, zeros).to(device()).requires_grad_()
    out = _apply(module, via, x, slope)
    out.backward(_upstream(seed, shape, dtype).to(device()))
    return {"output": plain(out), "grad": None if x.grad is None else plain(x.grad)}


def _where(tensor):
    """[device type, dtype, shape] of a tensor (None for anything else)."""
    if not isinstance(tensor, torch.Tensor):
        return None
    return [tensor.device.type, str(tensor.dtype).removeprefix("torch."), list(tensor.shape)]


def _same_placement(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), f"the observation is {got!r}"
    for via, want in expected.items():
        seen = got[via]
        assert not isinstance(seen, str), (
            f"{_name(via)} fails on a tensor on another device than the CPU (the meta device "
            f"here, CUDA in training): {seen}")
        assert seen == want, (
            f"on a {want['output'][1]} {want['output'][0]} input, {_name(via)} gives an output "
            f"(device, dtype, shape) of {seen['output']} and an input gradient of {seen['grad']}; "
            f"both should be {want['output']}")


@check("LeakyReLU fails, or changes device or dtype, on a tensor off the CPU or in half precision",
       given=dict(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), slope=slopes,
                  dtype=st.sampled_from(["float16", "bfloat16", "float32"])),
       examples=[dict(shape=[2, 3], slope=0.01, dtype="float16"), dict(shape=[4], slope=0.2, dtype="bfloat16")],
       compare=_same_placement, max_examples=4, priority=60)
def keeps_device_and_dtype(module, shape, slope, dtype):
    """On the meta device: no values, only where they live and what they are, as on CUDA."""
    seen = {}
    for via in ("leaky_relu", "module", "apply"):
        x = torch.empty(shape, device="meta", dtype=getattr(torch, dtype)).requires_grad_()
        try:
            out = _apply(module, via, x, slope)
            out.backward(torch.empty(shape, device="meta", dtype=x.dtype))
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - a refusal to run off the CPU is the observation
            seen[via] = f"{type(error).__name__}: {str(error)[:160]}"
            continue
        seen[via] = {"output": _where(out), "grad": _where(x.grad)}
    return seen


def _passes_gradcheck(got, expected, **example):
    assert isinstance(got, dict), "gradcheck could not be run"
    for via, result in expected.items():
        assert got.get(via) == result, (
            f"torch.autograd.gradcheck fails for {_name(via)}: {got.get(via)}")


@check("torch.autograd.gradcheck finds the backward inconsistent with the forward",
       given=dict(seed=seeds, shape=st.lists(st.integers(1, 3), min_size=1, max_size=2), slope=slopes),
       examples=[dict(seed=0, shape=[3, 2], slope=0.1)], compare=_passes_gradcheck, max_examples=6)
def passes_gradcheck(module, seed, shape, slope):
    from torch.autograd.gradcheck import GradcheckError

    # Away from the kink, where the function is differentiable and finite differences hold.
    generator = torch.Generator().manual_seed(seed)
    magnitude = 0.1 + torch.rand(shape, generator=generator, dtype=torch.float64)
    sign = torch.randint(0, 2, shape, generator=generator).to(torch.float64) * 2 - 1
    x = (magnitude * sign).to(device()).requires_grad_()
    functions = {"leaky_relu": lambda t: module.leaky_relu(t, slope),
                 "module": module.LeakyReLU(slope),
                 "apply": lambda t: module.LeakyReLUFunction.apply(t, slope)}
    results = {}
    for via, function in functions.items():
        function(x)  # a missing implementation shows here, not inside gradcheck
        try:
            results[via] = torch.autograd.gradcheck(function, (x,))
        except GradcheckError:
            results[via] = "the analytical gradient does not match the numerical one"
    return results


def _uses_function(got, expected, **example):
    assert isinstance(got, dict), "the outputs could not be inspected"
    for via, want in expected.items():
        seen = got.get(via)
        assert seen == want, (
            f"the output of {_name(via)} was not made by LeakyReLUFunction "
            f"(its grad_fn is {seen!r}, where LeakyReLUFunction.apply makes {want!r})")


@check("the layer and leaky_relu do not go through the custom LeakyReLUFunction",
       given=dict(seed=seeds, slope=slopes), examples=[dict(seed=0, slope=0.01)],
       compare=_uses_function, max_examples=3)
def uses_function(module, seed, slope):
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(seed)).to(device()).requires_grad_()
    outputs = {"leaky_relu": module.leaky_relu(x, slope), "module": module.LeakyReLU(slope)(x)}
    # What made each output: its grad_fn's class and the Function class behind it, by name.
    return {via: [type(out.grad_fn).__name__,
                  getattr(getattr(type(out.grad_fn), "_forward_cls", None), "__qualname__", None)]
            for via, out in outputs.items()}


CHECKS = (same_as_leaky_relu, keeps_device_and_dtype, passes_gradcheck, uses_function)
first_use = warm_the_meta_device  # a warm runner's once-for-all (the meta device's first kernels)
