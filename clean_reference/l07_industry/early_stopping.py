"""Early stopping: end training once the validation metric has stopped improving.

Training longer keeps lowering the training loss, but past some epoch the model starts
to memorise its training samples and the validation metric turns worse. `EarlyStopping`
watches that metric epoch by epoch: it remembers the best value seen so far and counts the
epochs since the last real improvement; once `patience` epochs in a row brought none, it
says stop. `min_delta` keeps noise from counting as progress: an improvement must beat the
best by more than `min_delta`. A loss improves downwards (`mode="min"`), an accuracy
upwards (`mode="max"`).

Shapes: metrics are Python floats, one per epoch.
"""


class EarlyStopping:
    """Say when a metric has gone `patience` epochs in a row without improving.

    `mode="min"` for a metric that should fall (a loss), `"max"` for one that should rise
    (an accuracy); any other mode is a ValueError. An improvement beats the best value so
    far by strictly more than `min_delta`.
    """

    def __init__(self, patience: int, min_delta: float = 0.0, mode: str = "min") -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best: float | None = None  # the best metric so far
        self.counter = 0  # epochs since the last improvement

    def step(self, metric: float) -> bool:
        """Record one epoch's `metric`; return True when training should stop.

        The first metric is the best so far. A later one that improves on the best (see the
        class) becomes the new best and brings the count of epochs without improvement back
        to zero; any other metric adds one to that count. The answer is whether the count
        has reached `patience`, recomputed at every step: it is not sticky.
        """
        if self.best is None or self._improves(metric):
            self.best = metric
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience

    def _improves(self, metric: float) -> bool:
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta


if __name__ == "__main__":
    val_losses = [1.00, 0.80, 0.79, 0.81, 0.70, 0.72, 0.71, 0.73, 0.74]
    stopper = EarlyStopping(patience=3, min_delta=0.02)
    for epoch, loss in enumerate(val_losses):
        stop = stopper.step(loss)
        print(f"epoch {epoch}: val_loss {loss:.2f}  best {stopper.best:.2f}  "
              f"epochs without improvement {stopper.counter}  stop {stop}")
        if stop:
            break
    accuracy = EarlyStopping(patience=1, mode="max")
    print("accuracy 0.5 -> 0.6 -> 0.6:", [accuracy.step(a) for a in (0.5, 0.6, 0.6)])
