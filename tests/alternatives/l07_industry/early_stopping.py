"""Early stopping on a signed score: a loss as it is, an accuracy negated, one comparison."""


class EarlyStopping:
    """Stop after `patience` epochs without an improvement of more than `min_delta`."""

    def __init__(self, patience, min_delta=0.0, mode="min"):
        if mode not in {"min", "max"}:
            raise ValueError(f"unknown mode {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.sign = 1.0 if mode == "min" else -1.0  # lower is better once signed
        self.best_score = None
        self.bad_epochs = 0

    def step(self, metric):
        score = self.sign * metric
        improved = self.best_score is None or score < self.best_score - self.min_delta
        if improved:
            self.best_score = score
        self.bad_epochs = 0 if improved else self.bad_epochs + 1
        return self.bad_epochs >= self.patience
