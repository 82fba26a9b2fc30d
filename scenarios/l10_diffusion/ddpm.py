"""Checks for DDPM: the schedule, q_sample, the time embedding, NoisePredictor and the step.

The schedule, q_sample and the embedding are compared with the reference value for value.
NoisePredictor's layers are free, so its checks observe properties (shapes, what the output
depends on, per-sample independence, gradients), computed by the judge from
the raw outputs the observation returns. `ddpm_train_step` may draw t and the noise in either
order, so its checks hand it a recording model, return what that model received and the
weights it ended with, and the judge verifies the closed form on them: the loss and the
update must be those of predicting the noise that produced x_t. No observation reports a
verdict about itself (an "inputs unchanged" flag): it returns the inputs after the call,
compared with the reference's.

Tensors a function creates without a `device=` are "on the host" while the candidate runs
(`_on_device`): on a CPU-only machine, a forgotten device fails as it would on a GPU.
"""

import contextlib
import types

import torch
from hypothesis import strategies as st
from torch import nn
from torch.overrides import TorchFunctionMode

from bughunt import series
from bughunt.placement import HostTensor, device, on_host, plain
from scenarios._support import assert_close, assert_finite, assert_same, check, differs, finite, largest, reaches, seeds

_FACTORIES = frozenset({torch.randn, torch.rand, torch.randint, torch.randperm, torch.normal,
                        torch.zeros, torch.ones, torch.empty, torch.full, torch.arange,
                        torch.linspace, torch.logspace, torch.eye, torch.tensor})


class _HostFactories(TorchFunctionMode):
    """New tensors made without `device=` start on the host, as CPU tensors do beside a GPU."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if (func in _FACTORIES and kwargs.get("device") is None and isinstance(result, torch.Tensor)
                and result.dim() > 0 and not isinstance(result, HostTensor)):
            return result.as_subclass(HostTensor)
        return result


def _on_device():
    return _HostFactories() if device().type == "cpu" else contextlib.nullcontext()


def _steep_alpha_bar(T):
    """A short schedule whose alpha_bar changes a lot from step to step: (T,) float32."""
    return torch.cumprod(1.0 - torch.linspace(0.05, 0.5, T), dim=0)


# --- the schedule ----------------------------------------------------------------------

schedules = st.fixed_dictionaries({"T": st.integers(1, 60),
                                   "beta_start": st.sampled_from([1e-4, 1e-3, 0.01]),
                                   "beta_end": st.sampled_from([0.02, 0.05, 0.2])})


def _same_schedule(got, expected, **example):
    assert isinstance(got, dict) and list(got) == list(expected), "the schedule is missing attributes"
    words = {"linear": "linear_beta_schedule(T, beta_start, beta_end)",
             "T": "DiffusionSchedule(...).T", "betas": "the schedule's betas",
             "alphas": "the schedule's alphas (1 - beta per step)",
             "alpha_bar": "the schedule's alpha_bar (the product of the alphas up to each step)"}
    for key in expected:
        assert_same(got[key], expected[key], words[key], rtol=1e-4, atol=1e-7)


def _alpha_bar_over_t(got, expected, **example):
    got_bar = got.get("alpha_bar") if isinstance(got, dict) else None
    got_bar = got_bar if isinstance(got_bar, torch.Tensor) else torch.tensor([])
    want = expected["alpha_bar"].double()
    got_bar = got_bar.double().clamp(0, 1)  # a scale of a value outside [0, 1] is no number
    # An off-by-one moves alpha_bar by less than a line's width: its difference shows it.
    gap = got_bar - want if got_bar.shape == want.shape else torch.tensor([])
    return [series.line("alpha_bar over t", "t", "alpha_bar", got_bar, want),
            series.line("alpha_bar minus a correct schedule's, over t", "t", "difference", gap,
                        torch.zeros_like(want)),
            series.line("signal scale sqrt(alpha_bar) over t", "t", "scale of x0", got_bar.sqrt(), want.sqrt()),
            series.line("noise scale sqrt(1 - alpha_bar) over t", "t", "scale of the noise",
                        (1 - got_bar).sqrt(), (1 - want).sqrt())]


@check("the noise schedule's betas, alphas or alpha_bar are not the DDPM values",
       given=dict(schedule=schedules),
       examples=[dict(schedule={"T": 1000, "beta_start": 1e-4, "beta_end": 0.02}),
                 dict(schedule={"T": 1, "beta_start": 0.01, "beta_end": 0.2})],
       compare=_same_schedule, max_examples=6, draw=_alpha_bar_over_t)
def schedule_values(module, schedule):
    linear = module.linear_beta_schedule(schedule["T"], schedule["beta_start"], schedule["beta_end"])
    made = module.DiffusionSchedule(schedule["T"], schedule["beta_start"], schedule["beta_end"])
    return {"linear": plain(linear), "T": made.T, "betas": plain(made.betas),
            "alphas": plain(made.alphas), "alpha_bar": plain(made.alpha_bar)}


# --- q_sample --------------------------------------------------------------------------

# x0's shape: (B, C, H, W) images or (B, D) vectors, B often equal to a trailing size.
x0_shapes = st.one_of(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.integers(1, 4), st.integers(1, 5)),
)


def _q_inputs(seed, shape, T):
    generator = torch.Generator().manual_seed(seed)
    x0 = torch.randn(shape, generator=generator)  # (B, ...)
    noise = torch.randn(shape, generator=generator)  # (B, ...)
    t = torch.randint(0, T, (shape[0],), generator=generator)  # (B,) int64
    t[0] = 0  # the first step always appears: an off-by-one wraps it round
    return x0.to(device()), t.to(device()), noise.to(device())


def _same_x_t(got, expected, **example):
    assert isinstance(got, dict) and "x_t" in got, "q_sample returned nothing usable"
    assert_close(got["x_t"], expected["x_t"], rtol=1e-5, atol=1e-6,
                 msg=lambda m: f"x_t is not sqrt(alpha_bar[t]) * x0 + sqrt(1 - alpha_bar[t]) * noise, "
                               f"sample by sample: {m}")
    assert_same(got["inputs"], expected["inputs"], "the x0, t, noise and alpha_bar after the call", rtol=0, atol=0)


def _x_t_values(got, expected, **example):
    got_x = got.get("x_t") if isinstance(got, dict) else None
    return [series.line("x_t, element by element", "element", "x_t",
                        got_x.flatten() if isinstance(got_x, torch.Tensor) else [],
                        expected["x_t"].flatten())]


@check("noised samples are not sqrt(alpha_bar[t]) * x0 + sqrt(1 - alpha_bar[t]) * noise, "
       "each with its own step",
       given=dict(seed=seeds, shape=x0_shapes, T=st.integers(2, 12)),
       examples=[dict(seed=0, shape=(3, 2, 4, 3), T=8), dict(seed=1, shape=(4, 4), T=5),
                 dict(seed=2, shape=(1, 1, 2, 5), T=3), dict(seed=3, shape=(2, 1, 3, 1), T=6)],
       compare=_same_x_t, draw=_x_t_values)
def q_sample_closed_form(module, seed, shape, T):
    x0, t, noise = _q_inputs(seed, shape, T)
    alpha_bar = _steep_alpha_bar(T).to(device())
    with _on_device():
        x_t = module.q_sample(x0, t, noise, alpha_bar)
    return {"x_t": plain(x_t), "inputs": [plain(x) for x in (x0, t, noise, alpha_bar)]}


@check("q_sample fails when the schedule lives on another device than the batch",
       given=dict(seed=seeds, shape=x0_shapes, T=st.integers(2, 12)),
       examples=[dict(seed=4, shape=(2, 3, 2, 4), T=7)], compare=_same_x_t, max_examples=4)
def q_sample_device(module, seed, shape, T):
    x0, t, noise = _q_inputs(seed, shape, T)
    alpha_bar = on_host(_steep_alpha_bar(T))  # the schedule was built on the CPU
    with _on_device():
        x_t = module.q_sample(x0, t, noise, alpha_bar)
    return {"x_t": plain(x_t), "inputs": [plain(x) for x in (x0, t, noise, alpha_bar)]}


# --- the time embedding ----------------------------------------------------------------

def _same_embedding(got, expected, dim, **example):
    # t * f reaches 1000 radians: float32 formulas of f that differ in the last bit move it by ~1e-4.
    assert_close(got, expected, rtol=0, atol=2e-3,
                 msg=lambda m: f"sinusoidal_embedding(t, {dim}) is not [sin(t * f_j) | cos(t * f_j)]: {m}")


@check("the sinusoidal step embedding has the wrong shape or values",
       given=dict(seed=seeds, batch=st.integers(1, 5), dim=st.sampled_from([2, 4, 6, 8, 16])),
       examples=[dict(seed=0, batch=3, dim=8), dict(seed=1, batch=1, dim=4), dict(seed=2, batch=4, dim=8)],
       compare=_same_embedding, max_examples=8)
def embedding(module, seed, batch, dim):
    t = torch.randint(0, 1000, (batch,), generator=torch.Generator().manual_seed(seed)).to(device())
    with _on_device():
        return plain(module.sinusoidal_embedding(t, dim))


# --- NoisePredictor --------------------------------------------------------------------

images = st.fixed_dictionaries({"batch": st.integers(1, 3), "channels": st.integers(1, 3),
                                "height": st.integers(1, 6), "width": st.integers(1, 6),
                                "time_dim": st.sampled_from([4, 8, 16])})


def _predictor(module, seed, image):
    torch.manual_seed(seed)
    model = module.NoisePredictor(image["channels"], time_dim=image["time_dim"], hidden=8)
    return model.to(device())


def _image_inputs(seed, image):
    generator = torch.Generator().manual_seed(seed + 1)
    x_t = torch.randn(image["batch"], image["channels"], image["height"], image["width"],
                      generator=generator)  # (B, C, H, W)
    t = torch.randint(0, 1000, (image["batch"],), generator=generator)  # (B,)
    return x_t.to(device()), t.to(device())


def _same_properties(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the model's output could not be examined"
    out, other_x, other_t = got["outputs"]
    want = expected["outputs"][0]
    assert isinstance(out, torch.Tensor) and out.shape == want.shape, \
        f"the predicted noise has shape {tuple(getattr(out, 'shape', ()))}, x_t has shape {tuple(want.shape)}"
    assert out.dtype == want.dtype, f"the predicted noise is {out.dtype}, not {want.dtype}"
    assert_finite(got["outputs"], "the predicted noise")
    assert differs(out, other_x), "the prediction does not change when x_t changes"
    assert differs(out, other_t), "the prediction does not change when the step t changes"
    assert_same(got["inputs"], expected["inputs"], "x_t and t after the calls", rtol=0, atol=0)


@check("the predicted noise has the wrong shape, or ignores x_t or the step t",
       given=dict(seed=seeds, image=images),
       examples=[dict(seed=0, image={"batch": 3, "channels": 2, "height": 5, "width": 3, "time_dim": 8}),
                 dict(seed=1, image={"batch": 1, "channels": 1, "height": 2, "width": 6, "time_dim": 4}),
                 dict(seed=2, image={"batch": 2, "channels": 3, "height": 4, "width": 4, "time_dim": 16})],
       compare=_same_properties, max_examples=8)
def predictor_outputs(module, seed, image):
    model = _predictor(module, seed, image).eval()
    x_t, t = _image_inputs(seed, image)
    with torch.no_grad(), _on_device():
        out = model(x_t, t)
        other_x = model(x_t + 1.0, t)
        other_t = model(x_t, (t + 250) % 1000)
    return {"outputs": [plain(out), plain(other_x), plain(other_t)], "inputs": [plain(x_t), plain(t)]}


def _independent(got, expected, **example):
    assert isinstance(got, dict) and set(got) == {"together", "alone"}, "the model's output could not be examined"
    together, alone = got["together"], got["alone"]
    assert isinstance(together, torch.Tensor) and len(alone) == together.shape[0], \
        "the model's output could not be examined"
    assert_finite(got, "the predicted noise")
    gap = largest(float((together[i] - a[0]).abs().max()) for i, a in enumerate(alone))
    assert gap <= 1e-5, (f"in eval mode, a sample's prediction changes by up to {gap:.3g} when it "
                         "shares the batch with other samples")


@check("in eval mode, a sample's predicted noise depends on the other samples in the batch",
       given=dict(seed=seeds, image=images),
       examples=[dict(seed=3, image={"batch": 3, "channels": 2, "height": 3, "width": 5, "time_dim": 8})],
       compare=_independent, max_examples=5)
def predictor_per_sample(module, seed, image):
    model = _predictor(module, seed, image).eval()
    x_t, t = _image_inputs(seed, image)
    with torch.no_grad(), _on_device():
        together = model(x_t, t)
        alone = [model(x_t[i:i + 1], t[i:i + 1]) for i in range(x_t.shape[0])]
    if together.shape != x_t.shape or any(a.shape != x_t[:1].shape for a in alone):
        return "a prediction has the wrong shape"
    return {"together": plain(together), "alone": [plain(a) for a in alone]}


def _all_reached(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the gradients could not be examined"
    assert isinstance(got["parameters"], dict) and got["parameters"], "the model has no parameters to train"
    missing = [name for name, grad in got["parameters"].items() if not reaches(grad)]
    assert not missing, f"training would never change these parameters (no finite gradient reaches them): {missing}"
    assert reaches(got["input"]), "no finite gradient flows back to x_t"


@check("training the model would leave some of its weights untouched",
       given=dict(seed=seeds, image=images),
       examples=[dict(seed=4, image={"batch": 2, "channels": 1, "height": 4, "width": 3, "time_dim": 8})],
       compare=_all_reached, max_examples=4)
def predictor_gradients(module, seed, image):
    model = _predictor(module, seed, image).train()
    x_t, t = _image_inputs(seed, image)
    x_t.requires_grad_(True)
    with _on_device():
        out = model(x_t, t)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed)).to(out.device)
    (out * weights).sum().backward()
    return {"parameters": {name: None if p.grad is None else plain(p.grad)
                           for name, p in model.named_parameters()},
            "input": None if x_t.grad is None else plain(x_t.grad)}


# --- ddpm_train_step -------------------------------------------------------------------

class _Recorder(nn.Module):
    """A tiny noise predictor that remembers what each call received and returned."""

    def __init__(self, feature_shape, T, seed):
        super().__init__()
        generator = torch.Generator().manual_seed(seed + 7)
        self.scale = nn.Parameter(torch.randn(feature_shape, generator=generator))
        self.shift = nn.Parameter(torch.randn(feature_shape, generator=generator))
        self.per_step = nn.Parameter(torch.randn(T, generator=generator))
        self.calls = []

    def forward(self, x_t, t):
        per_step = self.per_step[t].reshape(-1, *[1] * (x_t.dim() - 1))  # (B, 1, ...)
        out = x_t * self.scale + self.shift + per_step
        self.calls.append({"x_t": plain(x_t), "t": plain(t), "out": plain(out), "training": self.training})
        return out


class _SGD:
    """Plain SGD with the two methods a training step calls. torch.optim's optimizers import
    torch._dynamo on first use (seconds per runner); this one does not."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.sub_(self.lr * p.grad)


shapes = st.one_of(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)),
                   st.tuples(st.integers(1, 5), st.integers(1, 4)))


def _schedule(T):
    betas = torch.linspace(0.05, 0.5, T)  # (T,) steep, so every step is told apart
    return types.SimpleNamespace(T=T, betas=betas, alphas=1.0 - betas, alpha_bar=torch.cumprod(1.0 - betas, 0))


def _step(module, seed, shape, T, lr, train, global_seed):
    """Run `ddpm_train_step` on a recording model that arrives with stale gradients."""
    x0 = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device())  # (B, ...)
    model = _Recorder(shape[1:], T, seed).to(device()).train(train)
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.5)  # stale gradients from an earlier caller
    optimizer = _SGD(model.parameters(), lr=lr)
    generator = torch.Generator(device=device()).manual_seed(seed)
    torch.manual_seed(global_seed)
    with _on_device():
        loss = module.ddpm_train_step(model, x0, optimizer, _schedule(T), generator)
    return model, loss


def _raw_step(model, loss):
    """What the step did, as raw data: the model's last call, its mode, the loss, the weights."""
    return {"call": model.calls[-1] if model.calls else None, "training": model.training,
            "loss": loss if isinstance(loss, float) else f"a {type(loss).__name__}",
            "parameters": [plain(p) for p in model.parameters()]}


def _closed_form(raw, seed, shape, T, lr, train):
    """What the step should have done, judged (in the judge) from what the model received."""
    x0 = torch.randn(shape, generator=torch.Generator().manual_seed(seed))  # as `_step` made it
    start = _Recorder(shape[1:], T, seed).train(train)
    call, loss = raw["call"], raw["loss"]
    if call is None:
        return {"called": False}
    t, x_t = call["t"], call["x_t"]
    found = {"called": True, "t_dtype": t.dtype, "t_shape": list(t.shape), "x_t_shape": list(x_t.shape),
             "mode": [call["training"], raw["training"]], "loss_type": "float" if isinstance(loss, float) else loss}
    if t.dtype != torch.int64 or list(t.shape) != [x0.shape[0]] or x_t.shape != x0.shape:
        return found
    found["finite"] = finite([x_t, call["out"], raw["parameters"]]) and finite(loss)
    if not found["finite"]:
        return found
    found["t_in_range"] = bool(((t >= 0) & (t < T)).all())
    if not found["t_in_range"]:
        return found
    alpha_bar = _schedule(T).alpha_bar.double()[t].reshape(-1, *[1] * (x0.dim() - 1))
    noise = (x_t.double() - alpha_bar.sqrt() * x0.double()) / (1.0 - alpha_bar).sqrt()
    expected_loss = float(((call["out"].double() - noise) ** 2).mean())
    found["loss_is_noise_mse"] = isinstance(loss, float) and abs(loss - expected_loss) <= 1e-4 * max(1.0, expected_loss)
    torch.nn.functional.mse_loss(start(x_t, t), noise.float()).backward()
    after = raw["parameters"]
    found["update_is_that_loss"] = len(after) == 3 and all(
        p.shape == q.shape for p, q in zip(after, start.parameters())) and largest(
        float((p - (q.detach() - lr * q.grad)).abs().max()) for p, q in zip(after, start.parameters())) <= 1e-5
    # Loose bounds, tested on large batches only: a correct step fails them once in ~10^5.
    found["noise_standard"] = noise.numel() < 100 or (abs(float(noise.mean())) < 0.4
                                                      and 0.6 < float(noise.std()) < 1.4)
    return found


_STEP_WORDS = {
    "called": "the model is never called",
    "t_dtype": "the steps t handed to the model are not int64",
    "t_shape": "the steps t handed to the model are not one per sample, shape (B,)",
    "x_t_shape": "the noisy batch handed to the model does not have x0's shape",
    "mode": "the step changes the model's train/eval mode (the caller's choice)",
    "loss_type": "the returned loss is not a Python float",
    "finite": "the step produces NaN or infinite values (in x_t, the prediction, the loss or the weights)",
    "t_in_range": "the steps t handed to the model fall outside [0, T)",
    "loss_is_noise_mse": "the returned loss is not the MSE between the model's prediction and the noise "
                         "that produced x_t from x0",
    "update_is_that_loss": "the weights do not move by one step on the gradient of the noise-prediction "
                           "loss alone (the model arrived with stale gradients)",
    "noise_standard": "the noise in x_t does not look like standard Gaussian noise",
}


_SHOWN = frozenset({"t_dtype", "t_shape", "x_t_shape", "mode", "loss_type"})  # values worth printing


def _follows_closed_form(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the training step could not be examined"
    got, expected = _closed_form(got, **example), _closed_form(expected, **example)
    for key, value in expected.items():
        shown = f" (got {got[key]!r}, expected {value!r})" if key in got and key in _SHOWN else ""
        assert key in got and got[key] == value, _STEP_WORDS[key] + shown


@check("a training step does not teach the model to predict the noise that made x_t",
       given=dict(seed=seeds, shape=shapes, T=st.integers(2, 30), lr=st.sampled_from([0.05, 0.5]),
                  train=st.booleans()),
       examples=[dict(seed=0, shape=(3, 2, 2, 3), T=10, lr=0.5, train=True),
                 dict(seed=1, shape=(4, 4), T=6, lr=0.05, train=False),
                 dict(seed=2, shape=(32, 4), T=20, lr=0.1, train=True)],
       compare=_follows_closed_form, max_examples=8)
def step_follows_closed_form(module, seed, shape, T, lr, train):
    model, loss = _step(module, seed, shape, T, lr, train, global_seed=seed + 1)
    return _raw_step(model, loss)


def _reproducible(got, expected, **example):
    assert isinstance(got, list) and len(got) == 2 and all(isinstance(run, dict) for run in got), \
        "the training step could not be examined"
    first, second = got
    assert finite(first) and finite(second), "the training step produces NaN or infinite values"
    same_steps = len(first["calls"]) == len(second["calls"]) and all(
        torch.equal(x[0], y[0]) and torch.equal(x[1], y[1]) for x, y in zip(first["calls"], second["calls"]))
    assert same_steps, ("two steps with generators in the same state draw different t or noise "
                        "when the global random state differs")
    same_result = first["loss"] == second["loss"] and len(first["parameters"]) == len(second["parameters"]) \
        and all(torch.equal(p, q) for p, q in zip(first["parameters"], second["parameters"]))
    assert same_result, "two steps with generators in the same state give different losses or weights"


@check("the same generator state gives a different training step",
       given=dict(seed=seeds, shape=shapes), examples=[dict(seed=5, shape=(2, 3, 2, 2))],
       compare=_reproducible, max_examples=4)
def generator_reproducible(module, seed, shape):
    runs = [_step(module, seed, shape, 10, 0.1, True, global_seed=g) for g in (seed + 11, seed + 12)]
    return [{"calls": [[call["t"], call["x_t"]] for call in model.calls], "loss": _raw_step(model, loss)["loss"],
             "parameters": [plain(p) for p in model.parameters()]} for model, loss in runs]


def _covers(got, expected, T, **example):
    assert got == list(range(T)), f"over many samples the steps t drawn are {got}, not all of 0 … {T - 1}"


@check("the steps t drawn do not cover 0 … T - 1",
       given=dict(seed=seeds, T=st.integers(2, 5)), examples=[dict(seed=6, T=4)],
       compare=_covers, max_examples=4)
def steps_cover_range(module, seed, T):
    model, _ = _step(module, seed, (96, 1), T, 0.1, True, global_seed=seed)
    return sorted({int(v) for call in model.calls for v in call["t"].tolist()})


CHECKS = (schedule_values, q_sample_closed_form, q_sample_device, embedding, predictor_outputs,
          predictor_per_sample, predictor_gradients, step_follows_closed_form, generator_reproducible,
          steps_cover_range)
