"""A learner's stopper: once it has said stop, it keeps saying so (a sticky answer)."""


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0, mode="min"):
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best = None
        self.counter = 0
        self.stopped = False

    def step(self, metric):
        if self.best is None:
            improved = True
        elif self.mode == "min":
            improved = metric < self.best - self.min_delta
        else:
            improved = metric > self.best + self.min_delta
        if improved:
            self.best = metric
            self.counter = 0
        else:
            self.counter += 1
        self.stopped = self.stopped or self.counter >= self.patience
        return self.stopped
