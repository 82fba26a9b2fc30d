"""Checks: an observation both sides make, and a comparison only the judge makes.

A scenario's checks module lists its checks in `CHECKS`, each made with `@check`:

    @check("after one epoch the weights are not what a correct loop gives",
           given=dict(seed=seeds, sizes=batch_sizes), examples=[dict(seed=0, sizes=[4, 1])],
           compare=same_parameters)
    def same_updates(module, seed, sizes):
        ...                       # train a fresh model with module.train_one_epoch
        return parameters(model)  # plain data: tensors, numbers, strings, lists, dicts

`observe(module, **example)` runs the candidate's module in its runner and the reference's
module in a runner of the judge's own; it returns data only (see `bughunt.wire`). `compare(got, expected,
**example)` runs in the judge and raises AssertionError, worded for the learner, when the
candidate's observation is not what the reference's is. The symptom is what a user of the
code would notice — never where the bug is. Examples are drawn by Hypothesis in the judge
(derandomized, no database, no shrinking: the first failing example decides).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

DEFAULT_EXAMPLES = 12
DEFAULT_PRIORITY = 50
# Any text that may come from the candidate (a message quoting its value, its exception)
# is cut to this many characters: a verdict stays a verdict whatever the file sends.
MAX_TEXT = 4000


class Status(str, Enum):
    """How a check went (a str, so it reads and compares as its value in JSON and tables)."""

    PASS = "pass"
    FAIL = "fail"
    NOT_IMPLEMENTED = "not-implemented"
    TIMEOUT = "timeout"
    CRASH = "crash"
    NOT_RUN = "not-run"

    def __str__(self) -> str:
        return self.value


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` whole when short, else its start and a note of what was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … ({len(text) - limit} more characters cut)"


@dataclass(frozen=True)
class Check:
    name: str
    symptom: str  # what goes wrong, as a user of the code sees it
    observe: Callable[..., Any]  # observe(module, **example) -> plain data; both sides
    compare: Callable[..., None]  # compare(got, expected, **example); judge only
    given: Mapping[str, Any] = field(default_factory=dict)  # name -> Hypothesis strategy
    examples: tuple[Mapping[str, Any], ...] = ()  # explicit edge cases, tried first
    max_examples: int = DEFAULT_EXAMPLES
    # Which failure tells the learner most, when several checks fail: the specific (mode,
    # device, dtype, shape: 10–30) before the generic (the weights differ: 70–90).
    priority: int = DEFAULT_PRIORITY
    # draw(got, expected, **example) -> list of series (`bughunt.series`): the symptom as a
    # picture, made in the judge from the two observations of the failing example.
    draw: Callable[..., list] | None = None


def check(symptom: str, *, compare: Callable[..., None], given: Mapping[str, Any] | None = None,
          examples=(), max_examples: int = DEFAULT_EXAMPLES, priority: int = DEFAULT_PRIORITY,
          draw: Callable[..., list] | None = None) -> Callable[[Callable], Check]:
    """The decorator that makes a `Check` of an observe function. The engine knows no default
    comparison: the content supplies one (`scenarios._support.check` adds `assert_same`)."""
    def wrap(observe: Callable) -> Check:
        return Check(observe.__name__, symptom, observe, compare, dict(given or {}),
                     tuple(examples), max_examples, priority, draw)
    return wrap


@dataclass
class Outcome:
    """How one check went. `status`: a `Status`. Texts are clipped (`clip`) when made."""

    name: str
    status: str
    symptom: str = ""
    message: str = ""  # what went wrong, one paragraph
    example: str = ""  # the failing example's drawn values
    seconds: float = 0.0
    raised: bool = False  # the candidate's code raised (a crash the user sees), not a wrong value
    priority: int = DEFAULT_PRIORITY
    series: list = field(default_factory=list)  # the symptom drawn (`bughunt.series`), when it can be

    def __post_init__(self) -> None:
        self.message, self.example = clip(str(self.message)), clip(str(self.example))

    @property
    def passed(self) -> bool:
        return self.status == Status.PASS

    def to_json(self) -> dict:
        document = {**asdict(self), "status": str(self.status), "passed": self.passed}
        if not self.series:
            del document["series"]  # "a failing check may carry series": only one that has them
        return document


def describe(error: BaseException) -> str:
    """One paragraph naming the exception, without a traceback (it would show the line)."""
    if isinstance(error, SystemExit):
        return f"the code called sys.exit({error.code!r})"
    name = type(error).__name__
    try:
        text = str(error).strip()
    except Exception:  # noqa: BLE001 - a hostile __str__ is just unreadable
        text = ""
    if isinstance(error, AssertionError):
        return clip(text) or "an assertion failed"
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    text = text if len(text) < 600 else text[:600] + " …"
    return f"{name}: {text}" if text else name


def run_property(chk: Check, prop: Callable[..., None], seed: int | None = None) -> None:
    """Call `prop(**example)` on the check's explicit examples, then on drawn ones: derandomized,
    no database, no shrinking, one failure reported. A check with nothing to draw runs once."""
    if not chk.given:
        prop()
        return
    from hypothesis import HealthCheck, Phase, example, given, settings
    from hypothesis import seed as seeded

    test = given(**chk.given)(prop)
    for case in reversed(chk.examples):
        test = example(**case)(test)
    test = settings(max_examples=chk.max_examples, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                    print_blob=False, report_multiple_bugs=False)(test)
    if seed is not None:
        test = seeded(seed)(test)
    _one_random_for_every_thread()
    test()


_shared_random: list[random.Random] = []
_shared_random_lock = threading.Lock()


def _one_random_for_every_thread() -> None:
    """Hypothesis gives each thread that first runs a test a Random of its own, and registers
    it with a full garbage collection and a search of every object's referrers: 0.1-0.3 s
    with torch loaded, for each of the short-lived threads the judge draws on (a third of a
    cold `analyze`). That Random only seeds tests that are neither seeded nor derandomized,
    and these are both, so one, registered once, serves every thread."""
    from hypothesis import core, register_random

    local = getattr(core, "threadlocal", None)
    if local is None or getattr(local, "_hypothesis_global_random", True) is not None:
        return  # another Hypothesis, or this thread has its Random already
    with _shared_random_lock:
        if not _shared_random:
            _shared_random.append(random.Random())
            register_random(_shared_random[0])
    local._hypothesis_global_random = _shared_random[0]


def show_example(example: Mapping[str, Any]) -> str:
    """The drawn values, whole: `seed=0, shape={'batch': 1, 'height': 2}`."""
    return ", ".join(f"{name}={value!r}" for name, value in example.items())
