"""Checks: behavioural properties that run a candidate module beside the reference.

A scenario's checks module lists its checks in `CHECKS`, each made with `@check`:

    @check("train_one_epoch returns a different loss than a correct loop")
    @given(batch_size=st.integers(1, 5))
    def same_loss(cand, ref, batch_size): ...

`cand` and `ref` are the loaded modules. The symptom is what a user of the code would
notice when the check fails — never where the bug is. `@check` applies the Hypothesis
settings (derandomized, no database, no shrinking) and the runner picks the seed, so a
check never sets its own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed

DEFAULT_EXAMPLES = 12


@dataclass(frozen=True)
class Check:
    name: str
    symptom: str  # what goes wrong, as a user of the code sees it
    test: Callable[..., None]  # test(cand, ref): raises when the candidate misbehaves
    max_examples: int = DEFAULT_EXAMPLES


# Every check runs derandomized, with no example database (nothing is written beside the
# learner's file) and no shrinking: the first failing example decides, and it is quick.
BASE_SETTINGS = settings(
    max_examples=DEFAULT_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    print_blob=False,
    report_multiple_bugs=False,  # the learner sees one failure, not an ExceptionGroup
    suppress_health_check=list(HealthCheck),
)


def check(symptom: str, *, max_examples: int = DEFAULT_EXAMPLES) -> Callable[[Callable], Check]:
    def wrap(test: Callable) -> Check:
        if hasattr(test, "hypothesis"):
            test = settings(BASE_SETTINGS, max_examples=max_examples)(test)
        return Check(test.__name__, symptom, test, max_examples)
    return wrap


@dataclass
class Outcome:
    """How one check went. `status`: pass, fail, not-implemented, timeout, crash or not-run."""

    name: str
    status: str
    symptom: str = ""
    message: str = ""  # the exception or assertion, one paragraph
    example: str = ""  # the failing example's drawn values
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_json(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def run_check(chk: Check, cand, ref, *, seed: int = 0) -> Outcome:
    """Run one check in this process; every exception becomes a failed Outcome."""
    test = chk.test
    if hasattr(test, "hypothesis"):
        hypothesis_seed(seed)(test)
    started = time.perf_counter()
    try:
        test(cand, ref)
    except NotImplementedError:
        return Outcome(chk.name, "not-implemented", chk.symptom, "not implemented yet",
                       seconds=time.perf_counter() - started)
    except (Exception, SystemExit, KeyboardInterrupt) as error:  # the candidate's fault, reported
        return Outcome(chk.name, "fail", chk.symptom, describe(error), _example(error),
                       time.perf_counter() - started)
    return Outcome(chk.name, "pass", seconds=time.perf_counter() - started)


def describe(error: BaseException) -> str:
    """One paragraph naming the exception, without a traceback (it would show the line)."""
    if isinstance(error, SystemExit):
        return f"the code called sys.exit({error.code!r})"
    name = type(error).__name__
    text = str(error).strip()
    if isinstance(error, AssertionError):
        return text or "an assertion failed"
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    text = text if len(text) < 600 else text[:600] + " …"
    return f"{name}: {text}" if text else name


_DRAWN = re.compile(r"^\s+(\w+)=(.*?),?$")


def _example(error: BaseException) -> str:
    """The drawn arguments from Hypothesis's falsifying-example note, minus cand and ref."""
    for note in getattr(error, "__notes__", ()):
        if not note.startswith(("Falsifying", "Failing")):
            continue
        values = [match.groups() for line in note.splitlines() if (match := _DRAWN.match(line))]
        return ", ".join(f"{k}={v}" for k, v in values if k not in ("cand", "ref"))
    return ""
