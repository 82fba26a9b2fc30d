"""Checks for `EarlyStopping`: the answers of `step` over a whole sequence of metrics.

Each example feeds a sequence of epoch metrics to a fresh stopper and observes the list of
`step` answers, which the pinned rule fixes completely: ties, improvements of exactly
`min_delta`, an improvement after a stop (the answer is not sticky) and both modes.

Every metric is a multiple of 1/8 in [-3, 3] and every min_delta a multiple of 1/2, so
`best - min_delta`, `metric + min_delta` and any other spelling of the rule are exact in
binary: a correct implementation gives the pinned answers however it writes the comparison.
"""

from hypothesis import strategies as st

from bughunt import series
from scenarios._support import check

# Few distinct values, so that ties and plateaus are common, and a finer grid of eighths
# between -3 and 3: all exact in binary, as are their sums with the min_delta values below.
values = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
eighths = st.integers(-24, 24).map(lambda k: k / 8)
sequences = st.lists(values | eighths, min_size=1, max_size=12)


def _answers(stopper, metrics) -> list:
    return [answer if isinstance(answer, bool) else f"a {type(answer).__name__}"
            for answer in (stopper.step(m) for m in metrics)]


def _same_answers(got, expected, metrics, patience, min_delta=0.0, mode="min", **example):
    if not isinstance(got, list):
        raise AssertionError("step() could not be observed over the sequence")
    wrong = [a for a in got if not isinstance(a, bool)]
    assert not wrong, f"step() should return a bool, got {wrong[0]}"
    for epoch, (answer, wanted) in enumerate(zip(got, expected)):
        assert answer == wanted, (
            f"with patience={patience}, min_delta={min_delta}, mode={mode!r} and the metrics "
            f"{metrics}, step() answered {got[:epoch + 1]}; the rule gives {expected[:epoch + 1]}")
    assert len(got) == len(expected), "step() was not called once per metric"


def _stop_answers(got, expected, metrics, **example):
    return [series.line("step() says stop (1) or go on (0), per epoch", "epoch", "stop",
                        got if isinstance(got, list) else [], expected)]


@check("training stops at the wrong epoch, or does not stop when it should",
       given=dict(metrics=sequences, patience=st.integers(1, 4),
                  min_delta=st.sampled_from([0.0, 0.5, 1.0]), mode=st.sampled_from(["min", "max"])),
       examples=[dict(metrics=[3.0, 2.0, 3.0, 3.0, 1.0, 2.0, 2.0], patience=2, min_delta=0.0, mode="min"),
                 dict(metrics=[1.0, 1.0, 1.0, 1.0], patience=2, min_delta=0.0, mode="min"),
                 dict(metrics=[1.0, 0.5, 0.5, 0.0], patience=1, min_delta=0.5, mode="min"),
                 dict(metrics=[0.5, 1.0, 1.0, 1.5], patience=1, min_delta=0.5, mode="max"),
                 dict(metrics=[1.0, 2.0, 3.0, 0.5, 1.0], patience=2, min_delta=0.0, mode="min"),
                 dict(metrics=[0.1, 0.2, 0.2, 0.15, 0.3, 0.3], patience=2, min_delta=0.0, mode="max"),
                 dict(metrics=[-1.0, -2.0, -0.5, -3.0], patience=1, min_delta=0.0, mode="max")],
       compare=_same_answers, max_examples=25, priority=40, draw=_stop_answers)
def stops_on_time(module, metrics, patience, min_delta, mode):
    return _answers(module.EarlyStopping(patience, min_delta=min_delta, mode=mode), metrics)


def _compare_defaults(got, expected, metrics, patience, positional):
    if positional:
        _same_answers(got, expected, metrics, patience, 0.5, "max")
    else:
        _same_answers(got, expected, metrics, patience)


@check("EarlyStopping's defaults (min_delta=0.0, mode='min') or positional arguments are not honoured",
       given=dict(metrics=sequences, patience=st.integers(1, 3), positional=st.booleans()),
       examples=[dict(metrics=[2.0, 1.0, 1.5, 0.5, 0.5, 0.5], patience=2, positional=False),
                 dict(metrics=[0.0, 1.0, 0.5, 1.5, 1.5], patience=1, positional=True)],
       compare=_compare_defaults, max_examples=8, priority=60)
def defaults(module, metrics, patience, positional):
    # positional: (patience, min_delta, mode) in that order, as the signature lists them.
    stopper = module.EarlyStopping(patience, 0.5, "max") if positional else module.EarlyStopping(patience)
    return _answers(stopper, metrics)


CHECKS = (stops_on_time, defaults)
