"""A correct EarlyStopping in the manner of the training-framework callbacks: the mode picks
a comparison operator and the sign of min_delta once, and an improvement is tested as
`op(metric - signed_delta, best)` (for "min", `metric + min_delta < best`)."""

import operator


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0, mode="min"):
        if mode == "min":
            self._better, self._delta = operator.lt, -abs(min_delta)
        elif mode == "max":
            self._better, self._delta = operator.gt, abs(min_delta)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        self.patience = patience
        self.wait = 0
        self.best_score = None

    def step(self, metric):
        if self.best_score is None or self._better(metric - self._delta, self.best_score):
            self.best_score = metric
            self.wait = 0
        else:
            self.wait += 1
        return self.wait >= self.patience
